"""The loaded arrival guides: an immutable snapshot the bot reads from."""

from __future__ import annotations

from dataclasses import dataclass, field

from guides.models import City, Entry, Service


@dataclass(frozen=True)
class Taxonomy:
    topics: dict[str, str]
    actions: dict[str, str]

    def knows(self, route: str) -> bool:
        return route in self.topics or route in self.actions


@dataclass(frozen=True)
class CityPack:
    city: City
    entries: dict[str, Entry]
    services: dict[str, Service]

    def entries_for(self, topic: str) -> list[Entry]:
        return [entry for entry in self.entries.values() if entry.topic == topic]

    def topics(self) -> list[str]:
        seen: dict[str, None] = {}
        for entry in self.entries.values():
            seen.setdefault(entry.topic, None)
        return list(seen)


@dataclass(frozen=True)
class Content:
    """Everything under content/, validated. Replaced whole on reload, never mutated."""

    taxonomy: Taxonomy
    cities: dict[str, CityPack]
    ui: dict[str, dict[str, str]]
    fingerprint: str = ""
    files: tuple[str, ...] = field(default=())

    def city(self, city_id: str | None) -> CityPack:
        if city_id and city_id in self.cities:
            return self.cities[city_id]
        return next(iter(self.cities.values()))

    def entry(self, city_id: str | None, entry_id: str) -> Entry | None:
        pack = self.city(city_id)
        if entry_id in pack.entries:
            return pack.entries[entry_id]
        return None

    def text(self, lang: str, key: str, **values: object) -> str:
        """A UI string in `lang` (English when missing), with {placeholders} filled in."""
        template = self.ui.get(lang, {}).get(key) or self.ui.get("en", {}).get(key) or key
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template
