"""The questions simulated users ask: the guides' own example questions, in every language.

Not the held-out set (bench/heldout.jsonl): that one stays for the quality figures. Each user
asks in one language, in a shuffled order of their own, never about the same entry twice in a
row.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from guides.content import Content


def question_pools(content: Content, city: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """Per language: (entry id, example question) for every entry of the city's guide."""
    pools: dict[str, list[tuple[str, str]]] = {}
    for entry in content.city(city).entries.values():
        for lang, questions in entry.questions.items():
            pools.setdefault(lang, []).extend((entry.id, question) for question in questions)
    return {lang: sorted(pool) for lang, pool in sorted(pools.items())}


def questions_for(pool: list[tuple[str, str]], seed: int) -> Iterator[str]:
    """An endless, reproducible stream of questions from `pool`, reshuffled on every pass."""
    rng = random.Random(seed)
    last_entry: str | None = None
    while True:
        order = pool[:]
        rng.shuffle(order)
        for entry, question in order:
            if entry != last_entry:
                last_entry = entry
                yield question
