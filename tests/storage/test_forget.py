"""/forget erases every row about a person, in every table, and leaves other people alone."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import pytest

from bot.conversation import Conversations, Person
from bot.pipeline import Pipeline
from guides.store import ContentStore
from storage import Database, forget_user
from storage.analytics import count_message, record_feedback, record_unanswered
from storage.tickets import add_message, claim, close, open_ticket
from storage.users import get_settings, save_settings
from tests.pg import PostgresServer
from tests.storage.scan import row_counts, rows_containing

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def fill(db: Database, key: str, chat_id: int, marker: str) -> None:
    """A person who did everything the bot keeps: settings, votes, an old and an open ticket."""
    save_settings(db, key, "uk", "berlin")
    record_feedback(db, key, "transport.tickets.deutschlandticket", "uk", "berlin", +1)
    record_feedback(db, key, "services.housing.shelter", "uk", "berlin", -1)
    old = open_ticket(db, key, chat_id, "uk", "berlin", "services.housing", now=T0)
    add_message(db, old.id, "user", f"{marker} I sleep at the station", now=T0)
    claim(db, old.id, now=T0 + dt.timedelta(minutes=5))
    add_message(db, old.id, "caseworker", f"{marker} call this shelter", now=T0)
    add_message(db, old.id, "note", f"{marker} referred", now=T0)
    close(db, old.id, now=T0 + dt.timedelta(hours=1))
    current = open_ticket(db, key, chat_id, "uk", "berlin", "rights.residence", urgent=True)
    add_message(db, current.id, "user", f"{marker} my permit expires")
    count_message(db, "services.housing", "uk", "berlin", "answered")
    record_unanswered(db, "where can I buy a bicycle", "uk", "berlin", "out_of_scope")


def test_forget_erases_every_table_of_the_person(db: Database) -> None:
    fill(db, "key-amina", 55501, "MARKER-AMINA")
    fill(db, "key-omar", 55502, "MARKER-OMAR")
    before = row_counts(db)

    forgotten = forget_user(db, "key-amina", chat_id=55501)

    assert (forgotten.tickets, forgotten.messages, forgotten.feedback, forgotten.settings) == (
        2, 4, 2, 1)
    assert rows_containing(db, "key-amina", "55501", "MARKER-AMINA") == []
    assert not get_settings(db, "key-amina").known
    # The other person keeps everything; the anonymous figures stay whole.
    assert {t for t, _, _ in rows_containing(db, "key-omar")} == {"users", "feedback", "tickets"}
    assert len(rows_containing(db, "MARKER-OMAR")) == 4
    after = row_counts(db)
    for table in ("daily_counts", "feedback_counts", "handoff_stats", "unanswered"):
        assert after[table] == before[table], table


def test_forget_finds_open_tickets_by_chat_id_too(db: Database) -> None:
    """A ticket opened under another key (e.g. a changed secret) still goes with the chat;
    closed tickets no longer hold a chat id, so nothing links them to this chat."""
    fill(db, "key-old-secret", 55503, "MARKER-OLD")
    forgotten = forget_user(db, "key-new-secret", chat_id=55503)
    assert (forgotten.tickets, forgotten.messages) == (1, 1)
    assert rows_containing(db, "55503", "my permit expires") == []


def test_forget_of_a_stranger_changes_nothing(db: Database) -> None:
    fill(db, "key-omar", 55502, "MARKER-OMAR")
    before = row_counts(db)
    assert forget_user(db, "key-nobody").total == 0
    assert row_counts(db) == before


def test_forgotten_text_is_not_left_in_the_sqlite_files(tmp_path: Path) -> None:
    """secure_delete overwrites erased rows and the WAL is checkpointed: no copy on disk."""
    db = Database(f"sqlite:///{tmp_path}/arrival.db")
    db.migrate()
    try:
        fill(db, "key-amina", 55501, "MARKER-ON-DISK")
        forget_user(db, "key-amina", chat_id=55501)
        files = [p for p in tmp_path.iterdir() if p.name.startswith("arrival.db")]
        assert files
        for path in files:
            data = path.read_bytes()
            assert b"MARKER-ON-DISK" not in data, path.name
            assert b"key-amina" not in data, path.name
    finally:
        db.dispose()


@pytest.mark.postgres
def test_forgotten_text_is_not_left_in_the_postgres_table_files(postgres: PostgresServer) -> None:
    """Tables with text and chat ids are rewritten (VACUUM FULL): after a checkpoint no table
    or index file holds the person's messages or chat id. (The WAL keeps a copy until
    PostgreSQL recycles it; the pseudonymous key may linger in freed space of `users`.)"""
    if postgres.directory is None:
        pytest.skip("an external server: its files are not readable here")
    name = postgres.create()
    db = Database(postgres.url(name))
    chat_id = 7_700_550_155_501
    try:
        db.migrate()
        fill(db, "key-omar", 55502, "MARKER-OMAR")
        fill(db, "key-amina", chat_id, "MARKER-ON-DISK")  # last rows: lowest in their pages
        forget_user(db, "key-amina", chat_id=chat_id)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("CHECKPOINT")
        files = [p for p in (postgres.directory / "data" / "base").rglob("*") if p.is_file()]
        kept = [p for p in files if b"MARKER-OMAR" in p.read_bytes()]
        assert kept  # the search does see what is there
        for path in files:
            data = path.read_bytes()
            assert b"MARKER-ON-DISK" not in data, path
            assert struct.pack("<q", chat_id) not in data, path
    finally:
        db.dispose()
        postgres.drop(name)


async def test_forget_command_erases_and_says_so(db: Database,
                                                 content_store: ContentStore) -> None:
    conversations = Conversations(Pipeline(content_store, None), db)
    person = Person("key-amina", "uk")
    await conversations.press(person, "lang:uk")
    await conversations.press(person, "fb:up:transport.tickets.deutschlandticket")
    open_ticket(db, "key-amina", 55501, "uk", "berlin", "handoff")
    assert rows_containing(db, "key-amina")

    answer = await conversations.forget(person)

    assert answer == content_store.current.text("uk", "forget.done")
    assert answer != "forget.done"
    assert rows_containing(db, "key-amina") == []
