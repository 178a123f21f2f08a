"""The parse cache gives back what Rasa said for the same text, within its size and time, and
keeps no text."""

from __future__ import annotations

import pytest

from nlu.cache import ParseCache
from nlu.parse import IntentScore, Parse


def parse(*scores: tuple[str, float]) -> Parse:
    return Parse.from_ranking([IntentScore(name, confidence) for name, confidence in scores])


TICKETS = parse(("transport.tickets__single_ticket", 0.7),
                ("transport.tickets__deutschlandticket", 0.2), ("greet", 0.1))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_same_text_gets_the_same_parse_back() -> None:
    cache = ParseCache(8)
    assert cache.get("how do I buy a bus ticket") is None
    cache.put("how do I buy a bus ticket", TICKETS)
    again = cache.get("how do I buy a bus ticket")
    assert again == TICKETS
    assert again is not None and again.top_routes(1) == TICKETS.top_routes(1)
    assert cache.get("how do I buy a bus ticket?") is None  # another text, another parse
    assert (cache.hits, cache.misses) == (1, 2)


def test_the_least_recently_used_parse_goes_first() -> None:
    cache = ParseCache(2)
    cache.put("one", TICKETS)
    cache.put("two", TICKETS)
    assert cache.get("one") is not None  # "two" is now the least recently used
    cache.put("three", TICKETS)
    assert len(cache) == 2
    assert cache.get("two") is None and cache.get("one") is not None


def test_parses_expire_and_can_be_forgotten_at_once() -> None:
    clock = Clock()
    cache = ParseCache(8, ttl=60, clock=clock)
    cache.put("hello", TICKETS)
    clock.now += 59
    assert cache.get("hello") == TICKETS
    clock.now += 1
    assert cache.get("hello") is None and len(cache) == 0
    cache.put("hello", TICKETS)
    cache.clear()
    assert cache.get("hello") is None


def test_no_text_is_kept_and_hashes_differ_between_processes() -> None:
    first, second = ParseCache(8), ParseCache(8)
    for cache in (first, second):
        cache.put("my name is Amina and I need a doctor", TICKETS)
    keys = [next(iter(cache._entries)) for cache in (first, second)]
    assert all(isinstance(key, bytes) and len(key) == 16 for key in keys)
    assert keys[0] != keys[1]  # each cache hashes with a key of its own
    assert "Amina" not in repr(first._entries)


def test_a_cache_needs_room_and_time() -> None:
    with pytest.raises(ValueError, match="size"):
        ParseCache(0)
    with pytest.raises(ValueError, match="ttl"):
        ParseCache(8, ttl=0)
