"""The typed context every action receives."""

from __future__ import annotations

from dataclasses import dataclass

from guides.content import CityPack, Content
from nlu.parse import Parse


@dataclass(frozen=True)
class ActionContext:
    content: Content
    lang: str
    city_id: str
    route: str
    entry_id: str | None = None
    parse: Parse | None = None
    degraded: bool = False

    @property
    def city(self) -> CityPack:
        return self.content.city(self.city_id)

    def t(self, key: str, **values: object) -> str:
        """A UI string in the user's language."""
        return self.content.text(self.lang, key, **values)
