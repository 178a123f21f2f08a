"""What both sides of the handoff share: configuration, content, the clock, and one way to change
tickets — a database transaction that also writes the messages owed (the outbox). The channel
sends those; `wake` tells its sender to look at once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from actions import Reply
from bot.handoff import texts
from guides.content import Content
from guides.store import ContentStore
from storage.db import Database
from storage.models import utcnow
from storage.outbox import enqueue
from storage.tickets import TicketView

T = TypeVar("T")
CAPTIONED = frozenset({"photo", "video", "audio", "document", "voice", "animation"})


@dataclass(frozen=True)
class HandoffConfig:
    group_chat_id: int
    caseworker_lang: str = "en"
    reannounce: dt.timedelta = dt.timedelta(minutes=15)
    expected_wait_minutes: int = 30  # said while there are too few claimed tickets to measure


@dataclass(frozen=True)
class Relayed:
    """A message passed between a person and caseworkers: text, or media copied by its id."""

    kind: str  # "text", or the media kind: "photo", "voice", "location", ...
    text: str  # the text, or the media's caption ("" when none)
    chat_id: int
    message_id: int

    @property
    def stored(self) -> str:
        """What the ticket keeps of it."""
        return self.text if self.kind == "text" else f"[{self.kind}] {self.text}".strip()


@dataclass(frozen=True)
class GroupPlace:
    """Where in the caseworker group something was written: a forum topic, a reply."""

    thread_id: int | None = None
    reply_to: int | None = None  # the message it replies to
    message_id: int | None = None  # the message itself (a group answer replies to it)


def payload(reply: Reply, repeat_note: str, reply_to: int | None = None) -> dict[str, Any]:
    """A `Reply` as an outbox payload (the sender renders it)."""
    return {"title": reply.title, "text": reply.text, "repeat_note": repeat_note,
            "buttons": [[[button.label, button.action] for button in row]
                        for row in reply.buttons],
            "reply_to": reply_to}


class Desk:
    """The handoff's shared state. `clock` is replaceable for tests of office hours."""

    def __init__(self, db: Database, content: ContentStore, config: HandoffConfig,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.db, self.store, self.config, self.clock = db, content, config, clock
        self.wake: Callable[[], None] = lambda: None

    @property
    def content(self) -> Content:
        return self.store.current

    @property
    def group(self) -> int:
        return self.config.group_chat_id

    def say(self, lang: str, key: str, **values: object) -> str:
        return self.content.text(lang, key, **values)

    def cw(self, key: str, **values: object) -> str:
        """A caseworker-facing string in the group's language."""
        return self.content.text(self.config.caseworker_lang, key, **values)

    async def transaction(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one database transaction (off the event loop), then wake the sender."""

        def run() -> T:
            with self.db.session() as session:
                return work(session)

        result = await asyncio.to_thread(run)
        self.wake()
        return result

    def to_person(self, session: Session, chat_id: int, lang: str, reply: Reply,
                  ticket_id: int | None = None, purpose: str = "notice") -> None:
        enqueue(session, chat_id, "text", payload(reply, self.say(lang, "handoff.repeated")),
                ticket_id=ticket_id, purpose=purpose)

    def to_group(self, session: Session, reply: Reply, ticket_id: int | None = None,
                 place: GroupPlace | None = None, purpose: str = "notice",
                 topic_name: str | None = None) -> None:
        """Post in the ticket's topic (or as a reply to its card); with `place`, where the
        command was written. A card (`topic_name`) opens the ticket's topic."""
        thread = place.thread_id if place else None
        reply_to = place.message_id if place and not thread else None
        data = payload(reply, self.cw("caseworker.repeated"), reply_to)
        if topic_name is not None:
            data["topic_name"] = topic_name
        enqueue(session, self.group, "text", data, ticket_id=ticket_id, thread_id=thread,
                purpose=purpose)

    def card(self, session: Session, reply: Reply, ticket: TicketView) -> None:
        """A request's card: the first message of its topic (or the one replies thread on)."""
        self.to_group(session, reply, ticket.id, purpose="card",
                      topic_name=texts.topic_name(self.content, self.config.caseworker_lang,
                                                  ticket))

    def to_group_raw(self, session: Session, kind: str, data: dict[str, Any],
                     thread_id: int | None = None) -> None:
        """A group action that is not a message: "delete", "delete_topic", "close_topic"."""
        enqueue(session, self.group, kind, data, thread_id=thread_id)

    def copy(self, session: Session, chat_id: int, message: Relayed, label: str,
             repeat_note: str, ticket_id: int) -> None:
        """Copy media (copyMessage), labelled in its caption where it can have one."""
        caption = None
        if message.kind in CAPTIONED:
            caption = f"{label}\n{message.text}".strip() if message.text else label
        enqueue(session, chat_id, "copy",
                {"from_chat_id": message.chat_id, "message_id": message.message_id,
                 "caption": caption, "repeat_note": repeat_note,
                 "fallback": f"{label}\n{message.stored}"},
                ticket_id=ticket_id, purpose="relay")
