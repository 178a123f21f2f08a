"""Engine, sessions and migrations. SQLite by default, PostgreSQL in production and tests."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


class StorageUnavailable(Exception):
    """The database cannot be reached; callers answer politely and lose nothing."""


def _sqlite_pragmas(lock_wait: float) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # secure_delete: erased rows are overwritten on disk, so /forget really forgets.
        for pragma in ("foreign_keys=ON", "secure_delete=ON", "journal_mode=WAL",
                       f"busy_timeout={round(lock_wait * 1000)}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return on_connect


_SQLITE_UNAVAILABLE = ("locked", "unable to open", "disk i/o", "disk is full", "readonly",
                       "busy")


def _unavailable(error: Exception) -> bool:
    """Cannot reach or use the database now, as opposed to a bug in a query. SQLite reports
    both as OperationalError; only its locking and file errors count as unavailable."""
    if not isinstance(error, OperationalError) or "sqlite" not in type(error.orig).__module__:
        return True
    return any(word in str(error.orig).lower() for word in _SQLITE_UNAVAILABLE)


class _NoResultRows(logging.Filter):
    """SQLAlchemy logs every result row at DEBUG once its engine logger is turned up; rows hold
    message text and chat ids, so they never pass (statements still do, parameters hidden)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


def _guard_engine_logs() -> None:
    engine_logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _NoResultRows) for f in engine_logger.filters):
        engine_logger.addFilter(_NoResultRows())


class Database:
    """One database (SQLite file or PostgreSQL). `lock_wait`: seconds a SQLite writer waits
    for another's lock before the database counts as unavailable."""

    def __init__(self, url: str, lock_wait: float = 5.0) -> None:
        self.url = url
        _guard_engine_logs()
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: SQL parameters (message text, chat ids) never reach logs or the
        # text of database errors, whatever the log level.
        options: dict[str, Any] = {"hide_parameters": True}
        if not url.startswith("sqlite"):
            # pre_ping: a server may have dropped a pooled connection. A SQLite file cannot,
            # so there it would only add a query to every transaction.
            options.update(pool_pre_ping=True, pool_size=10, max_overflow=10, pool_timeout=5,
                           connect_args={"connect_timeout": 3})
        self.engine: Engine = create_engine(url, **options)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas(lock_wait))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Apply Alembic migrations up to the newest (run at every start-up)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Two processes starting together (bot and report) migrate one after the other.
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on error. A database that
        cannot be reached (refused, timed out, locked) raises StorageUnavailable."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except (OperationalError, InterfaceError, PoolTimeout) as error:
            if not _unavailable(error):
                raise
            raise StorageUnavailable(f"database unavailable ({type(error).__name__})") from error

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def reclaim(self, rewrite: Sequence[str], prune: Sequence[str] = ()) -> None:
        """Best effort to leave no copy of deleted rows in the database files. SQLite overwrites
        them (secure_delete) but keeps a copy in its write-ahead log until a checkpoint.
        PostgreSQL keeps dead rows, and a plain VACUUM leaves their bytes in the page's free
        space: tables holding text or chat ids (`rewrite`, small under retention) are rewritten
        with VACUUM FULL, giving up after a short lock wait rather than stalling the bot; the
        large, low-risk ones (`prune`: keys, language, votes) get a plain VACUUM. The WAL keeps
        a copy until PostgreSQL recycles it. Never raises: the rows are gone for every reader."""
        try:
            if self.is_sqlite:
                with self.engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                return
            autocommit = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            with autocommit as connection:
                connection.exec_driver_sql("SET lock_timeout = '2s'")
                try:
                    for table in rewrite:
                        connection.exec_driver_sql(f'VACUUM FULL "{table}"')
                    for table in prune:
                        connection.exec_driver_sql(f'VACUUM "{table}"')
                finally:  # the connection goes back to the pool: no lasting setting
                    connection.exec_driver_sql("RESET lock_timeout")
        except Exception:
            logger.warning("Could not reclaim the space of deleted rows", exc_info=True)

    def dispose(self) -> None:
        self.engine.dispose()
