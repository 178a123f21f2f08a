"""The durable inbox: every Telegram update is a row before Telegram is told it arrived.

An update is stored once (its `update_id` is unique), handed to the bot under a short lease (so
two processes never handle it at once), and marked processed — by the bot when it is done, or
inside the very transaction of a handler whose effects must happen once (`take_in`). Its raw
JSON, which holds names and text, is erased at that moment; the bare id stays a day to recognise
a redelivery, then goes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import InboxUpdate, utcnow

LEASE = dt.timedelta(seconds=30)  # far longer than a handler runs (the NLU times out in 3 s)
KEEP_IDS = dt.timedelta(days=1)  # Telegram retries an update for at most a day


@dataclass(frozen=True)
class StoredUpdate:
    update_id: int
    raw: str
    attempts: int  # leases so far, this one included


def store_updates(db: Database, updates: Iterable[tuple[int, str]],
                  now: dt.datetime | None = None) -> int:
    """Store (update_id, raw JSON) pairs in one transaction; ids already known are ignored.
    Returns how many were new."""
    rows = [{"update_id": update_id, "raw": raw, "received_at": now or utcnow(), "attempts": 0}
            for update_id, raw in updates]
    if not rows:
        return 0
    insert = pg_insert if not db.is_sqlite else sqlite_insert
    statement = insert(InboxUpdate).on_conflict_do_nothing(index_elements=["update_id"])
    ids = {row["update_id"] for row in rows}
    with db.session() as session:
        known = set(session.scalars(select(InboxUpdate.update_id)
                                    .where(InboxUpdate.update_id.in_(ids))))
        session.execute(statement, rows)
        return len(ids - known)


def store_and_lease(db: Database, updates: Iterable[tuple[int, str]],
                    now: dt.datetime | None = None, lease: dt.timedelta = LEASE) -> set[int]:
    """Store (update_id, raw JSON) pairs in one transaction, the new ones already leased to
    the caller, who handles them at once (no second read). Returns the ids this call stored:
    ids already known (a redelivery, or another process that stored them first) are not."""
    now = now or utcnow()
    rows = [{"update_id": update_id, "raw": raw, "received_at": now, "attempts": 1,
             "lease_until": now + lease} for update_id, raw in updates]
    if not rows:
        return set()
    insert = pg_insert if not db.is_sqlite else sqlite_insert
    statement = (insert(InboxUpdate).on_conflict_do_nothing(index_elements=["update_id"])
                 .returning(InboxUpdate.update_id))
    with db.session() as session:
        return set(session.scalars(statement, rows))


def lease_pending(db: Database, limit: int = 100, now: dt.datetime | None = None,
                  lease: dt.timedelta = LEASE) -> list[StoredUpdate]:
    """Unprocessed updates nobody holds, oldest first, now leased to the caller."""
    now = now or utcnow()
    free = or_(InboxUpdate.lease_until.is_(None), InboxUpdate.lease_until < now)
    taken: list[StoredUpdate] = []
    with db.session() as session:
        rows = session.execute(
            select(InboxUpdate.id, InboxUpdate.update_id, InboxUpdate.raw, InboxUpdate.attempts)
            .where(InboxUpdate.processed_at.is_(None), free)
            .order_by(InboxUpdate.id).limit(limit)).all()
        for row_id, update_id, raw, attempts in rows:
            leased = session.execute(
                update(InboxUpdate).where(InboxUpdate.id == row_id,
                                          InboxUpdate.processed_at.is_(None), free)
                .values(lease_until=now + lease, attempts=InboxUpdate.attempts + 1))
            if getattr(leased, "rowcount", 0) == 1 and raw is not None:
                taken.append(StoredUpdate(update_id, raw, attempts + 1))
    return taken


def release_leases(db: Database) -> None:
    """Forget every lease: for a single process at start-up (polling allows only one)."""
    with db.session() as session:
        session.execute(update(InboxUpdate).where(InboxUpdate.processed_at.is_(None))
                        .values(lease_until=None))


def take_in(session: Session, update_id: int | None, now: dt.datetime | None = None) -> bool:
    """Inside a handler's transaction: mark the update processed. False when it already was
    (a redelivery, or a rerun after a crash): the caller then does nothing. Updates that did not
    come through the inbox (None, or unknown ids) are always taken."""
    if update_id is None:
        return True
    marked = session.execute(
        update(InboxUpdate).where(InboxUpdate.update_id == update_id,
                                  InboxUpdate.processed_at.is_(None))
        .values(processed_at=now or utcnow(), raw=None, lease_until=None))
    if getattr(marked, "rowcount", 0) == 1:
        return True
    known = session.scalar(select(InboxUpdate.id).where(InboxUpdate.update_id == update_id))
    return known is None


def mark_processed(db: Database, update_id: int, now: dt.datetime | None = None) -> None:
    with db.session() as session:
        take_in(session, update_id, now)


def mark_all_processed(db: Database, update_ids: Iterable[int],
                       now: dt.datetime | None = None) -> None:
    """`mark_processed` for many updates in one transaction."""
    ids = list(update_ids)
    if not ids:
        return
    with db.session() as session:
        session.execute(update(InboxUpdate).where(InboxUpdate.update_id.in_(ids),
                                                  InboxUpdate.processed_at.is_(None))
                        .values(processed_at=now or utcnow(), raw=None, lease_until=None))


def is_processed(db: Database, update_id: int) -> bool:
    with db.session() as session:
        done = session.scalar(select(InboxUpdate.processed_at)
                              .where(InboxUpdate.update_id == update_id))
        return done is not None


def prune_inbox(db: Database, now: dt.datetime | None = None,
                keep: dt.timedelta = KEEP_IDS) -> int:
    """Drop the ids of updates processed more than `keep` ago."""
    with db.session() as session:
        result = session.execute(delete(InboxUpdate).where(
            InboxUpdate.processed_at < (now or utcnow()) - keep))
        return int(getattr(result, "rowcount", 0) or 0)


def pending_count(db: Database) -> int:
    with db.session() as session:
        return len(session.scalars(select(InboxUpdate.id)
                                   .where(InboxUpdate.processed_at.is_(None))).all())
