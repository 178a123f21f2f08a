"""The last few exchanges of each person with the bot, in this process's memory only.

Caseworkers need them for context, but nothing a person writes to the bot is stored unless they
agree to be connected: the ring is read (and emptied) when they consent, and its text then goes
into the ticket. It forgets on its own after `ttl`, on /forget, and on restart.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from actions import Outcome
from storage.models import utcnow

KEEP = 3  # exchanges per person
TTL = dt.timedelta(minutes=30)
MAX_PEOPLE = 10_000
MAX_TEXT = 300  # characters kept of each message


@dataclass(frozen=True)
class Exchange:
    at: dt.datetime
    text: str  # what the person wrote
    answer: str  # the title (or first line) of what the bot answered
    route: str


def answer_title(outcome: Outcome) -> str:
    """A short name for the bot's answer: an entry's title, else its first line."""
    for reply in outcome.replies:
        if reply.title:
            return reply.title
    first = outcome.replies[0].text if outcome.replies else ""
    return first.strip().splitlines()[0][:MAX_TEXT] if first.strip() else ""


class RecentExchanges:
    """person key -> their last `size` exchanges, for at most `ttl`."""

    def __init__(self, size: int = KEEP, ttl: dt.timedelta = TTL, max_people: int = MAX_PEOPLE,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.size, self.ttl, self.max_people, self.clock = size, ttl, max_people, clock
        self._rings: OrderedDict[str, deque[Exchange]] = OrderedDict()

    def note(self, key: str, text: str, outcome: Outcome) -> None:
        ring = self._rings.pop(key, None) or deque(maxlen=self.size)
        ring.append(Exchange(self.clock(), text.strip()[:MAX_TEXT], answer_title(outcome),
                             outcome.route))
        self._rings[key] = ring
        while len(self._rings) > self.max_people:
            self._rings.popitem(last=False)

    def last(self, key: str) -> list[Exchange]:
        """The person's recent exchanges, oldest first (expired ones dropped)."""
        ring = self._rings.get(key)
        if ring is None:
            return []
        cutoff = self.clock() - self.ttl
        fresh = [exchange for exchange in ring if exchange.at >= cutoff]
        if not fresh:
            del self._rings[key]
        return fresh

    def forget(self, key: str) -> None:
        self._rings.pop(key, None)
