"""Per-person flood protection: someone who sends messages faster than anyone types is held
back before the language understanding runs, so one sender cannot slow everyone else down.

A token bucket per person: `burst` messages at once, then one every `refill_seconds`. The
clock is each message's own Telegram date, so messages that waited (at Telegram, or in the
inbox while the bot restarted) count at the pace they were written, not the pace at which the
bot catches up. The first message over the limit gets one notice; the next ones are dropped
silently until the person is within the limit again.

Memory: per person a pseudonymous key, a number, a date and a flag — never text — for at most
`max_people` people, the least recently seen forgotten first (a forgotten person starts with a
full bucket, which is what they would have after a pause anyway).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

MAX_PEOPLE = 10_000
Verdict = Literal["answer", "notice", "drop"]


@dataclass
class _Bucket:
    tokens: float
    at: float  # Unix date of the newest message counted
    noticed: bool = False  # told about the limit since their last answered message


class FloodGuard:
    """Decides, message by message, whether a person is within their rate limit."""

    def __init__(self, burst: int, refill_seconds: float, max_people: int = MAX_PEOPLE) -> None:
        if burst < 1 or refill_seconds <= 0 or max_people < 1:
            raise ValueError("burst and max_people must be >= 1, refill_seconds > 0")
        self.burst, self.refill_seconds, self.max_people = burst, refill_seconds, max_people
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def check(self, key: str, at: float) -> Verdict:
        """One message from `key`, dated `at` (Unix seconds): answer it, answer with the notice
        (the first one over the limit), or drop it."""
        bucket = self._buckets.pop(key, None) or _Bucket(float(self.burst), at)
        elapsed = max(0.0, at - bucket.at)  # a message dated earlier refills nothing
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed / self.refill_seconds)
        bucket.at = max(bucket.at, at)
        verdict: Verdict
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.noticed = False
            verdict = "answer"
        elif not bucket.noticed:
            bucket.noticed = True
            verdict = "notice"
        else:
            verdict = "drop"
        self._buckets[key] = bucket  # now the most recently seen
        while len(self._buckets) > self.max_people:
            self._buckets.popitem(last=False)
        return verdict

    def __len__(self) -> int:
        """How many people are remembered."""
        return len(self._buckets)
