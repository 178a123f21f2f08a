"""Alembic migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from storage import Database
from storage.db import MIGRATIONS
from storage.models import Base


def _config(connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def test_migrations_create_exactly_the_models_schema(db: Database) -> None:
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    tables = set(inspect(db.engine).get_table_names())
    assert {"users", "feedback", "feedback_counts", "daily_counts", "unanswered", "tickets",
            "ticket_messages", "handoff_stats"} <= tables


def test_migration_chain_is_linear_and_ends_at_head(db: Database) -> None:
    script = ScriptDirectory.from_config(_config(None))
    assert len(script.get_heads()) == 1
    revisions = [rev.revision for rev in script.walk_revisions()]
    assert revisions[-1] == "0001" and "0002" in revisions
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == script.get_current_head()


def test_migrating_twice_is_harmless(db: Database) -> None:
    db.migrate()
    db.migrate()


def test_downgrade_and_upgrade_round_trip(database_url: str) -> None:
    database = Database(database_url)
    try:
        database.migrate()
        with database.engine.begin() as connection:
            command.downgrade(_config(connection), "base")
        assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
        database.migrate()
        assert "tickets" in inspect(database.engine).get_table_names()
    finally:
        database.dispose()


def test_upgrade_from_0001_keeps_votes_and_counts_them(database_url: str) -> None:
    """Feedback given before 0002 survives it: one vote per person and entry, all counted."""
    database = Database(database_url)
    try:
        with database.engine.begin() as connection:
            command.upgrade(_config(connection), "0001")
        when = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
        with database.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO users (key, lang, city) VALUES ('k1', 'uk', 'berlin')"))
            for vote in (1, -1):
                connection.execute(
                    text("INSERT INTO feedback (user_key, entry_id, lang, city, vote, created_at) "
                         "VALUES ('k1', 'transport.tickets.deutschlandticket', 'uk', 'berlin', "
                         ":vote, :at)"), {"vote": vote, "at": when})
        database.migrate()
        with database.engine.connect() as connection:
            votes = connection.execute(text("SELECT vote FROM feedback")).scalars().all()
            counts = connection.execute(text("SELECT up, down FROM feedback_counts")).all()
        assert votes == [-1]
        assert [tuple(row) for row in counts] == [(1, 1)]
    finally:
        database.dispose()
