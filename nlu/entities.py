"""Entities by rule: spaCy's PhraseMatcher over district names, the service directory, document
names and course languages. Rules, not a learned model: the lists are short, editors already
maintain them in content/, and a rule never invents a district that is not there."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from guides.content import Content
from nlu.parse import Entity

RULES = Path(__file__).with_name("entities.yml")


@lru_cache(maxsize=1)
def _nlp() -> Any:
    import spacy

    return spacy.blank("xx")


def _patterns(content: Content) -> dict[str, list[tuple[str, str]]]:
    """kind -> [(canonical value, phrase)], from the rules file and the content."""
    table: dict[str, list[tuple[str, str]]] = {}
    for kind, values in (yaml.safe_load(RULES.read_text(encoding="utf-8")) or {}).items():
        for value, phrases in values.items():
            table.setdefault(kind, []).extend((str(value), str(p)) for p in phrases)
    for pack in content.cities.values():
        for district in pack.city.districts:
            for phrase in (district.name, *district.aliases):
                table.setdefault("district", []).append((district.name, phrase))
        for service in pack.services.values():
            table.setdefault("service", []).append((service.id, service.name))
    return table


@dataclass(frozen=True)
class EntityRules:
    matcher: Any
    values: dict[int, tuple[str, str]]  # match id -> (kind, value)

    @staticmethod
    def build(content: Content) -> EntityRules:
        from spacy.matcher import PhraseMatcher

        nlp = _nlp()
        matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        values: dict[int, tuple[str, str]] = {}
        for kind, pairs in _patterns(content).items():
            for value, phrase in pairs:
                key = f"{kind}:{value}"
                match_id = nlp.vocab.strings.add(key)
                values[match_id] = (kind, value)
                matcher.add(key, [nlp.make_doc(phrase)])
        return EntityRules(matcher, values)

    def extract(self, text: str) -> tuple[Entity, ...]:
        """Longest non-overlapping matches, in text order."""
        doc = _nlp().make_doc(text[:2000])
        spans = sorted(self.matcher(doc), key=lambda m: (m[1], -(m[2] - m[1])))
        found: list[Entity] = []
        taken_until = -1
        for match_id, start, end in spans:
            if start < taken_until:
                continue
            kind, value = self.values[match_id]
            span = doc[start:end]
            found.append(Entity(kind, value, span.start_char, span.end_char))
            taken_until = end
        return tuple(found)
