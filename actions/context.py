"""The typed context every action receives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guides.content import CityPack, Content
from nlu.parse import Parse


def translated(values: Mapping[Any, str], lang: str) -> str:
    """A content field in `lang`, English when that translation is missing."""
    return values.get(lang) or values["en"]


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
