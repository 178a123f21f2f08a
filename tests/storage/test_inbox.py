"""The inbox's batched round trips: storing leases to the caller, marks go in one commit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage import Database
from storage.inbox import (
    is_processed,
    lease_pending,
    mark_all_processed,
    pending_count,
    store_and_lease,
    store_updates,
)
from storage.models import InboxUpdate, utcnow


def test_storing_leases_only_the_new_updates_to_the_caller(db: Database) -> None:
    assert store_and_lease(db, [(1, "{}"), (2, "{}")]) == {1, 2}
    assert store_and_lease(db, [(2, "{}"), (3, "{}")]) == {3}  # 2 was someone else's
    assert store_and_lease(db, []) == set()
    assert lease_pending(db) == []  # all three are leased already: no second reader
    store_updates(db, [(4, "{}")])
    assert [row.update_id for row in lease_pending(db)] == [4]


def test_a_lease_taken_when_storing_runs_out_like_any_other(db: Database) -> None:
    store_and_lease(db, [(7, '{"update_id": 7}')])
    later = utcnow() + dt.timedelta(minutes=5)  # the process died before handling it
    [row] = lease_pending(db, now=later)
    assert (row.update_id, row.raw, row.attempts) == (7, '{"update_id": 7}', 2)


def test_marks_for_many_updates_in_one_commit(db: Database) -> None:
    store_and_lease(db, [(1, "{}"), (2, "{}"), (3, "{}")])
    mark_all_processed(db, [1, 3, 99])  # 99 never came through the inbox: nothing to mark
    mark_all_processed(db, [])
    assert [is_processed(db, n) for n in (1, 2, 3)] == [True, False, True]
    assert pending_count(db) == 1
    with db.session() as session:  # names and text go with the mark
        rows = session.execute(select(InboxUpdate.update_id, InboxUpdate.raw))
        raws = {update_id: raw for update_id, raw in rows}
    assert raws == {1: None, 2: "{}", 3: None}
