"""A database that cannot be reached is reported as StorageUnavailable, quickly and politely."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage import Database, StorageUnavailable
from storage.analytics import count_message
from storage.users import get_settings
from tests.pg import free_port


@pytest.mark.postgres
def test_an_unreachable_server_raises_storage_unavailable() -> None:
    db = Database(f"postgresql+psycopg://arrival@127.0.0.1:{free_port()}/arrival")
    try:
        started = time.monotonic()
        with pytest.raises(StorageUnavailable) as failure:
            get_settings(db, "key-a")
        with pytest.raises(StorageUnavailable):
            count_message(db, "transport.tickets", "uk", "berlin", "answered")
        assert time.monotonic() - started < 10
        assert "key-a" not in str(failure.value)
    finally:
        db.dispose()


def test_errors_of_our_own_making_are_not_disguised_as_unavailability(db: Database) -> None:
    """A bug (here: a broken query) must surface as itself, not as "database down"."""
    with pytest.raises(DBAPIError) as failure, db.session() as session:
        session.execute(text("SELECT no_such_column FROM users"))
    assert not isinstance(failure.value, StorageUnavailable)


def test_a_locked_sqlite_database_is_unavailable(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/arrival.db", lock_wait=0.1)
    db.migrate()
    locker = sqlite3.connect(tmp_path / "arrival.db", isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageUnavailable):
            count_message(db, "transport.tickets", "uk", "berlin", "answered")
    finally:
        locker.close()
        db.dispose()
