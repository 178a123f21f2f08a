"""Message counts are added up in memory and written together: none is lost on the way, and a
failed write keeps them for the next."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.counts import MessageCounts
from storage import Database
from storage.analytics import count_messages
from storage.models import utcnow
from storage.reports import message_counts

DAY = dt.date(2026, 11, 20)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counted(db: Database, day: dt.date) -> dict[tuple[str, str], int]:
    return {(row.route, row.status): row.count for row in message_counts(db, day)
            if row.day == day}


def test_many_counts_in_one_write_add_to_what_is_there(db: Database) -> None:
    count_messages(db, {(DAY, "transport.tickets", "uk", "berlin", "answered"): 3,
                        (DAY, "emergency", "ar", "berlin", "answered"): 1})
    count_messages(db, {(DAY, "transport.tickets", "uk", "berlin", "answered"): 2})
    count_messages(db, {})
    assert counted(db, DAY) == {("transport.tickets", "answered"): 5,
                                ("emergency", "answered"): 1}


async def test_counts_wait_in_memory_until_due_or_flushed(db: Database) -> None:
    clock = Clock()
    counts = MessageCounts(db, every=2.0, clock=clock)
    today = utcnow().date()
    await counts.add("transport.tickets", "uk", "berlin", "answered")
    await counts.add("transport.tickets", "uk", "berlin", "answered")
    assert counted(db, today) == {} and counts.pending == 2
    clock.now = 2.0
    await counts.add("emergency", "ar", "berlin", "answered")  # due: all three written
    assert counted(db, today) == {("transport.tickets", "answered"): 2,
                                  ("emergency", "answered"): 1}
    await counts.add("emergency", "ar", "berlin", "answered")
    await counts.flush()  # the bot stops
    assert counted(db, today)[("emergency", "answered")] == 2 and counts.pending == 0


async def test_a_failed_write_keeps_the_counts(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/not-migrated.db")  # no tables: the write fails
    counts = MessageCounts(db, every=60.0)
    await counts.add("transport.tickets", "uk", "berlin", "answered")
    with pytest.raises(OperationalError, match="no such table"):
        await counts.flush()
    assert counts.pending == 1
    db.migrate()
    await counts.flush()
    assert counted(db, utcnow().date()) == {("transport.tickets", "answered"): 1}
    db.dispose()
