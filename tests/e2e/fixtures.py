"""End-to-end fixtures (a plugin of tests/conftest.py, for every test folder): the Bot API
emulator on a free loopback port, the real bot built by the project's own `build_application`
and polling it, the real Rasa server, a fresh SQLite database.

Tests talk to the bot only as Telegram users do (``TelegramUser``): they see what a person sees.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import Services, build_services, nlu_client
from bot.telegram.runner import build_application, prepare, start_polling, stop_polling
from nlu.server import LocalRasaServer
from tests.e2e.chat import NewUser, RunningBot, bot_settings
from tests.e2e.handoff import HandoffBot, handoff_bot
from tests.emulator.harness import Emulator, TelegramUser

_user_ids = itertools.count(700_001)


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """One telegram-test-api emulator for the whole session (`make setup` installs it)."""
    with Emulator() as emu:
        yield emu


@pytest.fixture(scope="session")
async def services(emulator: Emulator, rasa_server: LocalRasaServer,
                   tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Services]:
    settings = bot_settings(emulator, rasa_server, tmp_path_factory.mktemp("e2e"))
    async with nlu_client(settings) as nlu:
        built = build_services(settings, nlu)
        yield built
        built.db.dispose()


@pytest.fixture(scope="session")
async def running_bot(emulator: Emulator, services: Services) -> AsyncIterator[RunningBot]:
    """The real Application, polling the emulator for the whole session."""
    application = build_application(services)
    bot = RunningBot(application, services)

    async def record(update: object, context: Any) -> None:
        bot.errors.append(context.error)

    application.add_error_handler(record)
    await application.initialize()
    bot.commands_registered = await prepare(application, services)
    await application.start()
    await start_polling(application)
    yield bot
    await stop_polling(application)
    await application.stop()
    await application.shutdown()
    await emulator.aclose_client()


@pytest.fixture
def telegram_bot(running_bot: RunningBot) -> Iterator[RunningBot]:
    """The running bot; the test fails if one of its handlers raised."""
    running_bot.errors.clear()
    yield running_bot
    assert running_bot.errors == [], running_bot.errors


@pytest.fixture
def new_user(emulator: Emulator) -> NewUser:
    """Make a Telegram user nobody else in the session uses."""

    def make(language_code: str | None = "en", first_name: str = "Test") -> TelegramUser:
        return TelegramUser(emulator, next(_user_ids), first_name, language_code)

    return make


@pytest.fixture
async def caseworker_bot(emulator: Emulator, services: Services, rasa_server: LocalRasaServer,
                         tmp_path: Path) -> AsyncIterator[HandoffBot]:
    """A bot of its own with a caseworker group (a forum supergroup), its own database and a
    clock set in office hours; the test fails if one of its handlers raised."""
    async with handoff_bot(emulator, services, rasa_server, tmp_path) as bot:
        yield bot
