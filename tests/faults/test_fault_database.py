"""The database goes down (its PostgreSQL server shut down) while a person talks with a
caseworker and someone else asks a question: each person is told once, kindly, that their
message is not lost; nothing crashes; when the database is back every message of the request
reaches the other side exactly once and the question is answered."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Services
from nlu.server import LocalRasaServer
from storage.inbox import pending_count
from tests.e2e.chat import onboarded, reply
from tests.e2e.handoff import handoff_bot, plain
from tests.e2e.process import until
from tests.emulator.harness import BotMessage, Emulator, TelegramUser
from tests.pg import PostgresServer, start_postgres

pytestmark = [pytest.mark.emulator, pytest.mark.rasa, pytest.mark.postgres]
FROM_AMINA = ["first, while it is down", "second, while it is down", "third, while it is down"]
FROM_JANA = ["Jana answers while it is down", "and once more"]
LAST = "sent once it is back"


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this module's own, which the test shuts down and starts again."""
    if os.environ.get("ARRIVAL_TEST_PG_URL"):
        pytest.skip("an external PostgreSQL server (ARRIVAL_TEST_PG_URL) cannot be shut down")
    server = start_postgres()
    yield server
    server.stop()


async def until_seen(member: TelegramUser, *texts: str) -> list[BotMessage]:
    """What `member` got until each of `texts` was in one of the messages."""
    seen: list[BotMessage] = []
    while not all(any(text in plain(m) for m in seen) for text in texts):
        seen.append(await reply(member))
    return seen


async def test_a_database_outage_is_announced_once_and_loses_nothing(
        emulator: Emulator, services: Services, rasa_server: LocalRasaServer,
        own_postgres: PostgresServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = own_postgres.url(own_postgres.create())
    async with handoff_bot(emulator, services, rasa_server, tmp_path, database_url=url) as bot:
        t, db = bot.text, bot.services.db
        amina, omar = bot.person("uk", "Amina"), bot.person("ar", "Omar")
        jana = await bot.caseworker("Jana")
        await onboarded(amina, "uk")
        await onboarded(omar, "ar")
        await amina.send_command("/human")
        await reply(amina)
        await amina.press(t("uk", "button.human_confirm"))
        await reply(amina)
        desk = jana.in_topic((await reply(jana))["message_thread_id"])
        await until(lambda: pending_count(db) == 0 and set(bot.outbox_states()) == {"sent"})

        own_postgres.halt()
        with caplog.at_level(logging.WARNING, logger="bot.telegram.inbox"):
            for text in FROM_AMINA:
                await amina.send_text(text)
            for text in FROM_JANA:
                await desk.send_text(text)
            await omar.send_text("How do I buy a bus ticket?")
            told = [await reply(amina), await reply(omar)]
            assert [plain(m) for m in told] == [t("uk", "notice.answer_later"),
                                                t("ar", "notice.answer_later")]
            # The inbox keeps trying (and Telegram keeps the updates): tried three more times,
            # nobody is told twice.
            await until(lambda: caplog.text.count("Cannot store updates") >= 4, timeout=30)
        assert await amina.drain() == [] and await omar.drain() == []

        own_postgres.resume()
        await amina.send_text(LAST)
        await desk.send_text(LAST)
        at_desk = Counter(plain(m).split("\n\n", 1)[-1] for m in await until_seen(desk, LAST))
        at_amina = Counter(plain(m).split("\n\n", 1)[-1] for m in await until_seen(amina, LAST))
        assert [at_desk[text] for text in [*FROM_AMINA, LAST]] == [1, 1, 1, 1], at_desk
        assert [at_amina[text] for text in [*FROM_JANA, LAST]] == [1, 1, 1], at_amina
        answer = await reply(omar)
        assert answer["reply_markup"] and plain(answer) != t("ar", "notice.answer_later")
        stored = Counter(bot.ticket_texts(bot.tickets()[0].id))
        assert [stored["user", text] for text in [*FROM_AMINA, LAST]] == [1, 1, 1, 1]
        assert [stored["caseworker", text] for text in [*FROM_JANA, LAST]] == [1, 1, 1]
