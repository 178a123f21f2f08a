"""Assembles the parts (settings -> content, storage, NLU, pipeline) for every command."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.conversation import Conversations
from bot.pipeline import Pipeline
from bot.settings import Settings
from guides.store import ContentStore
from nlu.cache import ParseCache
from nlu.client import RasaClient
from nlu.server import LocalRasaServer, RasaStartError
from nlu.training import latest_model
from storage import Database

logger = logging.getLogger(__name__)
PROJECT = Path(__file__).resolve().parents[1]


def setup_logging(level: str) -> None:
    """Log lines carry no message text or names; httpx would log URLs with the bot token."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "telegram.ext.ExtBot", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def rasa_bin(settings: Settings) -> Path:
    if settings.rasa_python:
        return Path(settings.rasa_python).parent / "rasa"
    return PROJECT / ".venv-rasa" / "bin" / "rasa"


def resolve(settings: Settings, path: Path) -> Path:
    return path if path.is_absolute() else PROJECT / path


@asynccontextmanager
async def nlu_client(settings: Settings) -> AsyncIterator[RasaClient]:
    """A client for RASA_URL, or for a local Rasa server started now and stopped on exit."""
    if settings.rasa_url:
        token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
        client = RasaClient(settings.rasa_url, token, settings.rasa_timeout)
        try:
            yield client
        finally:
            await client.aclose()
        return
    model = latest_model(resolve(settings, settings.models_dir))
    if model is None:
        raise RasaStartError("No trained NLU model found: run `make train` first")
    server = LocalRasaServer(rasa_bin(settings), model,
                             log_file=resolve(settings, settings.var_dir) / "rasa.log")
    logger.info("Starting the local Rasa server (about 20 s)…")
    await asyncio.to_thread(server.start)
    client = RasaClient(server.url, server.secret, settings.rasa_timeout)
    try:
        yield client
    finally:
        await client.aclose()
        await asyncio.to_thread(server.stop)


@dataclass
class Services:
    settings: Settings
    content: ContentStore
    db: Database
    pipeline: Pipeline
    conversations: Conversations


def open_database(settings: Settings) -> Database:
    url = settings.database_url
    if url.startswith("sqlite:///") and not url.startswith(("sqlite:////", "sqlite:///:memory:")):
        url = "sqlite:///" + str(resolve(settings, Path(url.removeprefix("sqlite:///"))))
    db = Database(url)
    db.migrate()
    return db


def build_services(settings: Settings, nlu: RasaClient | None) -> Services:
    content = ContentStore(resolve(settings, settings.content_dir), settings.stale_after_days)
    db = open_database(settings)
    cache = ParseCache(settings.rasa_cache_size) if settings.rasa_cache_size else None
    pipeline = Pipeline(content, nlu, settings.default_language, cache=cache)
    return Services(settings, content, db, pipeline,
                    Conversations(pipeline, db, settings.retention_days))
