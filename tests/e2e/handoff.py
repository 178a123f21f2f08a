"""A bot with a caseworker group, for the handoff's end-to-end tests.

Each test gets its own bot token (so its own updates in the emulator), its own caseworker group,
its own SQLite database and a clock it may set (office hours); the content, the pipeline and the
Rasa server are the session's. People and caseworkers are `TelegramUser`s of that bot.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import Services, open_database
from bot.conversation import Conversations
from bot.handoff import Casework
from bot.telegram.inbox import Inbox
from bot.telegram.runner import build_application, prepare, start_polling, stop_polling
from nlu.server import LocalRasaServer
from storage.models import OutboxMessage, Ticket, TicketMessage, utcnow
from tests.e2e.chat import RunningBot, bot_settings, emulator_for
from tests.emulator.harness import BotMessage, Emulator, TelegramUser

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY_11 = dt.datetime(2026, 11, 25, 11, 0, tzinfo=BERLIN)  # office hours
SATURDAY_22 = dt.datetime(2026, 11, 28, 22, 0, tzinfo=BERLIN)  # closed until Monday 09:00
_tokens = itertools.count(61_001)
_groups = itertools.count(-100_770_000_001, -1)
_people = itertools.count(760_001)


@dataclass
class ShiftedClock:
    """Runs at the real pace from a chosen moment."""

    start: dt.datetime
    _real_start: dt.datetime = field(default_factory=utcnow)

    def __call__(self) -> dt.datetime:
        return self.start.astimezone(dt.UTC) + (utcnow() - self._real_start)


@dataclass
class HandoffBot:
    running: RunningBot
    api: Emulator
    group_id: int
    token: str

    @property
    def services(self) -> Services:
        return self.running.services

    @property
    def casework(self) -> Casework:
        value: Casework = self.running.application.bot_data["casework"]
        return value

    @asynccontextmanager
    async def inbox_paused(self) -> AsyncIterator[None]:
        """Nothing is fetched meanwhile: updates wait at the emulator, as at Telegram."""
        application = self.running.application
        await application.bot_data["inbox"].stop()
        try:
            yield
        finally:
            application.bot_data["inbox"] = Inbox(application, self.services.db)
            await application.bot_data["inbox"].start(polling=True)

    def set_clock(self, start: dt.datetime) -> None:
        self.casework.desk.clock = ShiftedClock(start)

    def text(self, lang: str, key: str, **values: object) -> str:
        return self.running.text(lang, key, **values)

    def person(self, lang: str = "en", name: str = "Amina") -> TelegramUser:
        return TelegramUser(self.api, next(_people), name, lang)

    async def caseworker(self, name: str = "Jana", forum: bool = True) -> TelegramUser:
        """A member of the caseworker group (joined before any card is posted)."""
        member = TelegramUser.in_group(self.api, next(_people), name, self.group_id,
                                       forum=forum)
        await member.join()
        return member

    def tickets(self) -> list[Ticket]:
        with self.services.db.session() as session:
            return list(session.scalars(select(Ticket).order_by(Ticket.id)))

    def ticket_texts(self, ticket_id: int) -> list[tuple[str, str]]:
        with self.services.db.session() as session:
            rows = session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
                                   .order_by(TicketMessage.id))
            return [(row.direction, row.text) for row in rows]

    def outbox_states(self) -> list[str]:
        with self.services.db.session() as session:
            return list(session.scalars(select(OutboxMessage.state)))


def plain(message: BotMessage) -> str:
    return str(message.get("plain_text") or message.get("caption") or "")


@asynccontextmanager
async def handoff_bot(emulator: Emulator, services: Services, rasa_server: LocalRasaServer,
                      folder: Path, **overrides: Any) -> AsyncIterator[HandoffBot]:
    """A running bot whose CASEWORKER_CHAT_ID is a fresh group; its clock is office hours."""
    token = f"{next(_tokens)}:HANDOFF"
    api = emulator_for(emulator, token)
    group_id = next(_groups)
    settings = bot_settings(api, rasa_server, folder, caseworker_chat_id=group_id,
                            caseworker_language="de", **overrides)
    db = open_database(settings)
    own = Services(settings, services.content, db, services.pipeline,
                   Conversations(services.pipeline, db, settings.retention_days))
    application = build_application(own)
    running = RunningBot(application, own)

    async def record(update: object, context: Any) -> None:
        running.errors.append(context.error)

    application.add_error_handler(record)
    bot = HandoffBot(running, api, group_id, token)
    bot.set_clock(WEDNESDAY_11)
    await application.initialize()
    await prepare(application, own)
    await application.start()
    await start_polling(application)
    try:
        yield bot
    finally:
        await stop_polling(application)
        await application.stop()
        await application.shutdown()
        db.dispose()
        await api.aclose_client()
    assert running.errors == [], running.errors
