"""Shared fixtures: the real content, a real Rasa server on the trained model, fresh databases."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from bot.app import PROJECT  # noqa: E402
from guides.store import ContentStore  # noqa: E402
from nlu.server import LocalRasaServer  # noqa: E402
from nlu.training import latest_model  # noqa: E402

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
