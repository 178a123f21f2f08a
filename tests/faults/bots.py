"""A bot of one fault test's own: its own token at the emulator, its own database, content store
and pipeline (with its own Rasa client and a short retry), built by the project's
`build_application` and polling — so what a test breaks breaks nothing for the other tests."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.app import Services, open_database
from bot.conversation import Conversations
from bot.pipeline import Pipeline
from bot.telegram.runner import build_application, prepare, start_polling, stop_polling
from guides.store import ContentStore
from nlu.client import RasaClient
from nlu.server import LocalRasaServer
from tests.e2e.chat import RunningBot, bot_settings, emulator_for, reply
from tests.emulator.harness import BotMessage, Emulator, TelegramUser

_tokens = itertools.count(71_001)
_people = itertools.count(770_001)


@dataclass
class OwnBot:
    running: RunningBot
    api: Emulator

    @property
    def pipeline(self) -> Pipeline:
        return self.running.services.pipeline

    def text(self, lang: str, key: str, **values: object) -> str:
        return self.running.text(lang, key, **values)

    def person(self, lang: str = "en", name: str = "Test") -> TelegramUser:
        return TelegramUser(self.api, next(_people), name, lang)


@asynccontextmanager
async def own_bot(emulator: Emulator, rasa_server: LocalRasaServer, folder: Path, *,
                  content: ContentStore, nlu: RasaClient | None, retry_after: float = 0.5,
                  **overrides: Any) -> AsyncIterator[OwnBot]:
    """A running bot; the test fails if one of its handlers raised."""
    api = emulator_for(emulator, f"{next(_tokens)}:FAULTS")
    settings = bot_settings(api, rasa_server, folder, **overrides)
    db = open_database(settings)
    pipeline = Pipeline(content, nlu, settings.default_language, retry_after=retry_after)
    services = Services(settings, content, db, pipeline,
                        Conversations(pipeline, db, settings.retention_days))
    application = build_application(services)
    running = RunningBot(application, services)

    async def record(update: object, context: Any) -> None:
        running.errors.append(context.error)

    application.add_error_handler(record)
    await application.initialize()
    await prepare(application, services)
    await application.start()
    await start_polling(application)
    try:
        yield OwnBot(running, api)
    finally:
        await stop_polling(application)
        await application.stop()
        await application.shutdown()
        db.dispose()
        await api.aclose_client()
    assert running.errors == [], running.errors


async def answers(user: TelegramUser, count: int) -> list[BotMessage]:
    """Everything the bot sent `user` until `count` answers (messages with buttons) came."""
    seen: list[BotMessage] = []
    while sum(bool(message["reply_markup"]) for message in seen) < count:
        seen.append(await reply(user))
    return seen
