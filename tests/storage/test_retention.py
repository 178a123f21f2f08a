"""Retention: closed tickets, their messages and unanswered questions expire after N days."""

from __future__ import annotations

import asyncio
import datetime as dt

from storage import Database, purge_expired, retention_loop
from storage.analytics import record_feedback, record_unanswered
from storage.tickets import add_message, close, get_ticket, messages, open_ticket
from tests.storage.scan import row_counts, rows_containing

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def closed_ticket(db: Database, key: str, closed_days_ago: float, text: str) -> int:
    opened = days_ago(closed_days_ago + 1)
    ticket = open_ticket(db, key, 4242, "fa", "berlin", "services.legal_aid", now=opened)
    add_message(db, ticket.id, "user", text, now=opened)
    close(db, ticket.id, now=days_ago(closed_days_ago))
    return ticket.id


def test_closed_tickets_are_purged_after_the_retention_period(db: Database) -> None:
    expired = closed_ticket(db, "key-a", 31, "EXPIRED-TEXT")
    recent = closed_ticket(db, "key-b", 29, "RECENT-TEXT")
    old_but_open = open_ticket(db, "key-c", 77, "fa", "berlin", "emergency", now=days_ago(90))
    add_message(db, old_but_open.id, "user", "STILL-WAITING", now=days_ago(90))

    purged = purge_expired(db, retention_days=30, now=NOW)

    assert (purged.tickets, purged.messages) == (1, 1)
    assert get_ticket(db, expired) is None and messages(db, expired) == []
    assert rows_containing(db, "EXPIRED-TEXT") == []
    assert [m.text for m in messages(db, recent)] == ["RECENT-TEXT"]
    assert [m.text for m in messages(db, old_but_open.id)] == ["STILL-WAITING"]
    assert row_counts(db)["handoff_stats"] == 3  # the anonymous figures stay


def test_the_retention_period_is_configurable(db: Database) -> None:
    closed_ticket(db, "key-a", 8, "EIGHT-DAYS")
    assert purge_expired(db, retention_days=30, now=NOW).tickets == 0
    assert purge_expired(db, retention_days=7, now=NOW).tickets == 1
    assert rows_containing(db, "EIGHT-DAYS") == []


def test_unanswered_questions_and_single_votes_expire_like_tickets(db: Database) -> None:
    record_unanswered(db, "where to buy a used bicycle", "en", "berlin", "out_of_scope",
                      now=days_ago(31))
    record_unanswered(db, "where to repair a bicycle", "en", "berlin", "out_of_scope",
                      now=days_ago(2))
    record_feedback(db, "key-a", "services.money.bank_account", "en", "berlin", -1,
                    now=days_ago(40))

    purged = purge_expired(db, retention_days=30, now=NOW)

    assert (purged.unanswered, purged.feedback) == (1, 1)
    assert rows_containing(db, "used bicycle") == []
    assert rows_containing(db, "repair a bicycle")
    counts = row_counts(db)
    assert counts["feedback"] == 0 and counts["feedback_counts"] == 1


def test_nothing_expired_means_nothing_purged(db: Database) -> None:
    closed_ticket(db, "key-a", 1, "FRESH")
    before = row_counts(db)
    assert purge_expired(db, retention_days=30, now=NOW).total == 0
    assert row_counts(db) == before


async def test_retention_loop_purges_on_a_schedule(db: Database) -> None:
    """The scheduled job runs at once and then every interval, until cancelled."""
    closed_ticket(db, "key-a", 0.01, "SOON-EXPIRED")  # closed ~15 minutes ago
    job = asyncio.create_task(retention_loop(db, days=30, interval=0.05))
    await asyncio.sleep(0.3)
    assert rows_containing(db, "SOON-EXPIRED")  # not yet expired: kept across many runs
    job.cancel()

    closed_ticket(db, "key-b", 45, "LONG-EXPIRED")
    job = asyncio.create_task(retention_loop(db, days=30, interval=0.05))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if not rows_containing(db, "LONG-EXPIRED"):
            break
    job.cancel()
    assert rows_containing(db, "LONG-EXPIRED") == []
    assert rows_containing(db, "SOON-EXPIRED")
