"""Anonymous message counts, added up in memory and written to the database together.

Writing each message's count as it comes was a commit per message (on SQLite a disk sync
each, holding the one write lock that storing updates needs too). The counts only feed the
daily reports, so they are written at most every `every` seconds, with the next message after
that, and when the bot stops. A crash loses at most those seconds of counts: never anything a
person wrote or was promised. Memory is bounded: one number per day, route, language, city and
status.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

from storage import Database
from storage.analytics import CountKey, count_messages
from storage.models import utcnow

FLUSH_EVERY = 2.0  # seconds


class MessageCounts:
    def __init__(self, db: Database, every: float = FLUSH_EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.db, self.every, self.clock = db, every, clock
        self._pending: Counter[CountKey] = Counter()
        self._written = clock()

    async def add(self, route: str, lang: str, city: str, status: str) -> None:
        """Count one message; write what is pending if the last write is `every` ago."""
        self._pending[(utcnow().date(), route, lang, city, status)] += 1
        if self.clock() - self._written >= self.every:
            await self.flush()

    async def flush(self) -> None:
        """Write every pending count in one transaction; kept for the next try on failure."""
        if not self._pending:
            return
        taken, self._pending = self._pending, Counter()
        self._written = self.clock()
        try:
            await asyncio.to_thread(count_messages, self.db, taken)
        except BaseException:
            self._pending.update(taken)
            raise

    @property
    def pending(self) -> int:
        return sum(self._pending.values())
