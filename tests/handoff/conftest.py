"""The handoff service on a real database (SQLite and PostgreSQL), the real content and a clock
the test sets; no Telegram: what the service owes the other side is read from the outbox."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from actions import Outcome, Reply
from bot.conversation import Person
from bot.handoff import Casework, Desk, Handoff, HandoffConfig
from guides.store import ContentStore
from storage import Database
from storage.models import OutboxMessage, Ticket, TicketMessage, TicketThread

BERLIN = ZoneInfo("Europe/Berlin")
GROUP = -100_123
WEDNESDAY_11 = dt.datetime(2026, 11, 25, 11, 0, tzinfo=BERLIN)


@dataclass
class Clock:
    now: dt.datetime = WEDNESDAY_11

    def __call__(self) -> dt.datetime:
        return self.now.astimezone(dt.UTC)

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Owed:
    """One message in the outbox, as the test reads it."""

    chat_id: int
    kind: str
    purpose: str
    ticket_id: int | None
    thread_id: int | None
    data: dict[str, Any]

    @property
    def text(self) -> str:
        return "\n\n".join(part for part in (self.data.get("title"), self.data.get("text"))
                           if part)


@dataclass
class Desked:
    db: Database
    clock: Clock
    handoff: Handoff
    casework: Casework

    def t(self, lang: str, key: str, **values: object) -> str:
        return self.handoff.desk.say(lang, key, **values)

    def cw(self, key: str, **values: object) -> str:
        return self.handoff.desk.cw(key, **values)

    def owed(self, chat_id: int | None = None) -> list[Owed]:
        """The outbox, oldest first (only one chat's when given)."""
        with self.db.session() as session:
            rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            found = [Owed(r.chat_id, r.kind, r.purpose, r.ticket_id, r.thread_id,
                          json.loads(r.payload)) for r in rows]
        return [o for o in found if chat_id is None or o.chat_id == chat_id]

    def tickets(self) -> list[Ticket]:
        with self.db.session() as session:
            return list(session.scalars(select(Ticket).order_by(Ticket.id)))

    def texts(self, ticket_id: int) -> list[tuple[str, str]]:
        with self.db.session() as session:
            rows = session.scalars(select(TicketMessage).where(
                TicketMessage.ticket_id == ticket_id).order_by(TicketMessage.id))
            return [(row.direction, row.text) for row in rows]

    def thread(self, ticket_id: int) -> TicketThread | None:
        with self.db.session() as session:
            return session.get(TicketThread, ticket_id)


@pytest.fixture
def desked(db: Database, content_store: ContentStore) -> Desked:
    clock = Clock()
    desk = Desk(db, content_store, HandoffConfig(GROUP, "en", dt.timedelta(minutes=15), 30),
                clock)
    return Desked(db, clock, Handoff(desk), Casework(desk))


@pytest.fixture
def person() -> Callable[..., Person]:
    def make(key: str = "key-amina", chat: int | None = 5501) -> Person:
        return Person(key, "uk", chat)

    return make


def outcome(route: str, title: str = "An answer", lang: str = "uk",
            status: str = "answered") -> Outcome:
    """What the pipeline answered (the service only reads route, title and status)."""
    return Outcome(route, None, 0.9, lang, (Reply(text="…", title=title),), status=status)
