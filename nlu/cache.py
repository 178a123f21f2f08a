"""Recent parses in memory, so that a question many people ask costs Rasa once.

Rasa is the slowest part of an answer (one process parses about 50-100 messages a second) and
people ask the same short questions again and again. An entry is found by a keyed hash of the
cleaned text, with a key made for this process only: the cache holds no text, and its hashes
cannot be matched against guessed messages outside it. It holds at most `size` parses, for at
most `ttl` seconds each (a retrained model is picked up within that time), stored compactly
(the ranking's intent names, shared with the model's, and their confidences).
"""

from __future__ import annotations

import hashlib
import secrets
import sys
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable

from nlu.parse import IntentScore, Parse

TTL = 600.0  # seconds a parse is reused


class ParseCache:
    """A bounded, expiring map from a message's text (hashed) to Rasa's parse of it."""

    def __init__(self, size: int, ttl: float = TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if size < 1 or ttl <= 0:
            raise ValueError("size must be >= 1 and ttl > 0")
        self.size, self.ttl, self.clock = size, ttl, clock
        self.hits = self.misses = 0
        self._key = secrets.token_bytes(16)
        self._entries: OrderedDict[bytes, tuple[float, tuple[str, ...], array[float]]] = (
            OrderedDict())

    def _digest(self, text: str) -> bytes:
        return hashlib.blake2b(text.encode(), digest_size=16, key=self._key).digest()

    def get(self, text: str) -> Parse | None:
        """The parse stored for exactly this text, unless it expired."""
        digest = self._digest(text)
        entry = self._entries.get(digest)
        if entry is None or entry[0] <= self.clock():
            if entry is not None:
                del self._entries[digest]
            self.misses += 1
            return None
        self._entries.move_to_end(digest)
        self.hits += 1
        _, names, confidences = entry
        return Parse.from_ranking([IntentScore(name, confidence)
                                   for name, confidence in zip(names, confidences, strict=True)])

    def put(self, text: str, parse: Parse) -> None:
        """Keep a parse from Rasa (the least recently used one goes when full)."""
        names = tuple(sys.intern(score.name) for score in parse.ranking)
        confidences = array("d", (score.confidence for score in parse.ranking))
        digest = self._digest(text)
        self._entries[digest] = (self.clock() + self.ttl, names, confidences)
        self._entries.move_to_end(digest)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every parse (Rasa went away: it may come back with another model)."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
