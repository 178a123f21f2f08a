"""Shared fixtures: the real content, a real Rasa server on the trained model, fresh databases."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from bot.app import PROJECT
from guides.store import ContentStore
from nlu.server import LocalRasaServer
from nlu.training import latest_model

# The Telegram end-to-end fixtures (one emulator, one running bot per session) serve tests/e2e,
# tests/faults and tests/hostile alike.
pytest_plugins = ["tests.e2e.fixtures"]

CONTENT = PROJECT / "content"


@pytest.fixture(scope="session")
def content_store() -> ContentStore:
    return ContentStore(CONTENT)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the real content, for tests that break or edit it."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


@pytest.fixture(scope="session")
def rasa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRasaServer]:
    """One real Rasa server on the model `make train` built, shared by the whole session."""
    model = latest_model(PROJECT / "models")
    if model is None:
        pytest.fail("No trained model under models/: run `make train` (make test does it)")
    log = tmp_path_factory.mktemp("rasa") / "rasa.log"
    server = LocalRasaServer(PROJECT / ".venv-rasa" / "bin" / "rasa", model, log_file=log)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def rasa_env(rasa_server: LocalRasaServer, tmp_path: Path) -> dict[str, str]:
    """Environment for a `python -m bot …` child that uses the shared server and a fresh db."""
    env = dict(os.environ)
    env.update(RASA_URL=rasa_server.url, RASA_TOKEN=rasa_server.secret,
               DATABASE_URL=f"sqlite:///{tmp_path}/arrival.db", VAR_DIR=str(tmp_path / "var"),
               TELEGRAM_BOT_TOKEN="", RASA_TELEMETRY_ENABLED="false")
    return env


# --- Storage: every storage test runs on SQLite and on a real PostgreSQL server -------------
from storage import Database  # noqa: E402
from tests.pg import PostgresServer, PostgresUnavailable, start_postgres  # noqa: E402


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session (see tests/pg.py)."""
    try:
        server = start_postgres()
    except PostgresUnavailable as error:
        pytest.fail(str(error))
    yield server
    server.stop()


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_migrated(postgres: PostgresServer) -> str:
    """A database migrated once, copied for each test (CREATE DATABASE … TEMPLATE)."""
    name = postgres.create()
    database = Database(postgres.url(name))
    database.migrate()
    database.dispose()
    return name


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a new database on the session's PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/arrival.db"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = server.create()
    yield server.url(name)
    server.drop(name)


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path}/arrival.db")
        database.migrate()
        yield database
        database.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = server.create(template=request.getfixturevalue("postgres_migrated"))
    database = Database(server.url(name))
    yield database
    database.dispose()
    server.drop(name)
