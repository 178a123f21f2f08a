"""Degraded-mode understanding: a phrase search over the guides' own words.

When Rasa is down or slow, the bot still answers something useful: each entry's titles and
example questions (all languages) are tokenized with a blank spaCy multi-language tokenizer and
indexed; a message is scored by the inverse document frequency of the words and word-prefixes it
shares with each entry (prefixes absorb endings and many typos).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from guides.content import Content
from nlu.parse import ENTRY_SEPARATOR, IntentScore, Parse

_WORD = re.compile(r"\w", re.UNICODE)
PREFIX = 5


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    import spacy

    return spacy.blank("xx").tokenizer


def terms(text: str) -> set[str]:
    """Lower-cased word tokens plus their prefixes, the units the search matches on."""
    out: set[str] = set()
    for token in _tokenizer()(text.lower()[:2000]):
        word = token.text
        if not _WORD.search(word) or len(word) < 2:
            continue
        out.add(word)
        if len(word) > PREFIX:
            out.add(word[:PREFIX] + "…")
    return out


@dataclass(frozen=True)
class PhraseSearch:
    """An inverted index from terms to the intents (`topic__entry`) whose phrases contain them."""

    postings: dict[str, dict[str, float]]

    @staticmethod
    def build(content: Content) -> PhraseSearch:
        documents: dict[str, set[str]] = defaultdict(set)
        for pack in content.cities.values():
            for entry in pack.entries.values():
                intent = f"{entry.topic}{ENTRY_SEPARATOR}{entry.id}"
                phrases = [*entry.title.values()]
                for questions in entry.questions.values():
                    phrases.extend(questions)
                for phrase in phrases:
                    documents[intent] |= terms(phrase)
        frequency: dict[str, int] = defaultdict(int)
        for words in documents.values():
            for word in words:
                frequency[word] += 1
        total = max(len(documents), 1)
        postings: dict[str, dict[str, float]] = defaultdict(dict)
        for intent, words in documents.items():
            for word in words:
                postings[word][intent] = math.log(1 + total / frequency[word])
        return PhraseSearch(dict(postings))

    def parse(self, text: str) -> Parse:
        """A Parse like Rasa's, with scores normalised to 0..1; empty when nothing matches."""
        scores: dict[str, float] = defaultdict(float)
        for word in terms(text):
            for intent, weight in self.postings.get(word, {}).items():
                scores[intent] += weight
        if not scores:
            return Parse.from_ranking([IntentScore("out_of_scope", 1.0)], source="search")
        best = max(scores.values())
        total = sum(scores.values())
        ranking = [IntentScore(intent, score / total) for intent, score in scores.items()]
        ranking.sort(key=lambda s: s.confidence, reverse=True)
        # Confidence: how strongly the best entry stands out, capped so search never looks sure.
        top = ranking[0]
        ranking[0] = IntentScore(top.name, min(0.9, best / total + 0.3))
        return Parse.from_ranking(ranking[:10], source="search")
