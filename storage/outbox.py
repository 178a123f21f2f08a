"""The outbox: what the bot owes someone is written in the transaction that decided it, and sent
after by one sender (bot/telegram/outbox.py).

A row goes pending -> sending -> sent (or failed). `sending` is committed *before* the Bot API
call: a row found in that state after a crash may or may not have reached Telegram, which has no
idempotency key. Such a row is sent again, marked `uncertain` so the text says it may be a
repeat (see `recover_sending`). Sent rows keep no text, only the message id they became.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import OutboxMessage, Ticket, TicketThread, utcnow

KEEP_SENT = dt.timedelta(days=1)  # sent rows of closed tickets (reply routing) are kept this long
ORPHANED = dt.timedelta(seconds=30)  # a send never takes this long: its sender died


@dataclass(frozen=True)
class OutboxRow:
    id: int
    chat_id: int
    kind: str
    purpose: str
    payload: dict[str, Any]
    thread_id: int | None
    ticket_id: int | None
    state: str
    attempts: int
    uncertain: bool
    next_attempt_at: dt.datetime


@dataclass(frozen=True)
class Sending:
    """A row taken for sending, with where its ticket lives in the group right now."""

    row: OutboxRow
    thread_id: int | None  # the forum topic to post in
    reply_to: int | None  # or the card to reply to (a group that is not a forum)
    needs_topic: bool  # a card whose ticket has no topic yet


def enqueue(session: Session, chat_id: int, kind: str, payload: dict[str, Any], *,
            ticket_id: int | None = None, thread_id: int | None = None,
            purpose: str = "notice", now: dt.datetime | None = None) -> None:
    """Owe a message, inside the caller's transaction."""
    now = now or utcnow()
    session.add(OutboxMessage(chat_id=chat_id, kind=kind, purpose=purpose,
                              payload=json.dumps(payload, ensure_ascii=False),
                              thread_id=thread_id, ticket_id=ticket_id, state="pending",
                              attempts=0, uncertain=False, created_at=now, next_attempt_at=now))


def _row(message: OutboxMessage) -> OutboxRow:
    return OutboxRow(message.id, message.chat_id, message.kind, message.purpose,
                     json.loads(message.payload or "{}"), message.thread_id, message.ticket_id,
                     message.state, message.attempts, message.uncertain, message.next_attempt_at)


def unsent(db: Database, limit: int = 200) -> list[OutboxRow]:
    """Rows not yet sent (pending, or being sent), oldest first."""
    with db.session() as session:
        rows = session.scalars(select(OutboxMessage)
                               .where(OutboxMessage.state.in_(("pending", "sending")))
                               .order_by(OutboxMessage.id).limit(limit))
        return [_row(message) for message in rows]


def begin_send(db: Database, row_id: int, now: dt.datetime | None = None) -> Sending | None:
    """Mark a pending row `sending` (committed before the call); None if someone else has it."""
    now = now or utcnow()
    with db.session() as session:
        taken = session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id,
                                        OutboxMessage.state == "pending")
            .values(state="sending", sending_since=now, attempts=OutboxMessage.attempts + 1))
        if getattr(taken, "rowcount", 0) != 1:
            return None
        message = session.get(OutboxMessage, row_id, populate_existing=True)
        assert message is not None
        thread = session.get(TicketThread, message.ticket_id) if message.ticket_id else None
        in_group = thread is not None and thread.group_chat_id == message.chat_id
        thread_id = message.thread_id or (thread.thread_id if in_group and thread else None)
        reply_to = thread.card_message_id if in_group and thread and not thread_id else None
        needs_topic = message.purpose == "card" and in_group and not thread_id
        return Sending(_row(message), thread_id, reply_to, needs_topic)


def finish_sent(db: Database, row_id: int, message_id: int | None,
                now: dt.datetime | None = None) -> None:
    """Sent: keep the message id (a card's also on its ticket), drop the text."""
    with db.session() as session:
        message = session.get(OutboxMessage, row_id)
        if message is None:  # its ticket was forgotten meanwhile
            return
        message.state, message.sent_at, message.message_id = "sent", now or utcnow(), message_id
        message.payload, message.sending_since = "{}", None
        if message.purpose == "card" and message.ticket_id is not None:
            thread = session.get(TicketThread, message.ticket_id)
            if thread is not None and message_id is not None:
                thread.card_message_id = message_id


def retry_later(db: Database, row_id: int, delay: float, uncertain: bool = False,
                now: dt.datetime | None = None) -> None:
    """Back to pending, due after `delay` seconds; `uncertain` when it may have been sent."""
    with db.session() as session:
        message = session.get(OutboxMessage, row_id)
        if message is None:
            return
        message.state, message.sending_since = "pending", None
        message.next_attempt_at = (now or utcnow()) + dt.timedelta(seconds=delay)
        message.uncertain = message.uncertain or uncertain


def give_up(db: Database, row_id: int) -> None:
    """Cannot be sent (the person blocked the bot, the message is malformed): drop the text."""
    with db.session() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                        .values(state="failed", payload="{}", sending_since=None))


def recover_sending(db: Database, older_than: dt.timedelta | None = ORPHANED,
                    now: dt.datetime | None = None) -> int:
    """Rows left `sending` by a sender that died: pending again and `uncertain`. A single
    sender passes None at start-up (all of them); several replicas wait for ORPHANED."""
    condition = OutboxMessage.state == "sending"
    if older_than is not None:
        condition = condition & (OutboxMessage.sending_since < (now or utcnow()) - older_than)
    with db.session() as session:
        result = session.execute(update(OutboxMessage).where(condition)
                                 .values(state="pending", uncertain=True, sending_since=None))
        return int(getattr(result, "rowcount", 0) or 0)


def set_thread(db: Database, ticket_id: int, thread_id: int) -> None:
    """The forum topic made for a ticket (before its card is posted there)."""
    with db.session() as session:
        thread = session.get(TicketThread, ticket_id)
        if thread is not None:
            thread.thread_id = thread_id


def ticket_of_message(session: Session, chat_id: int, message_id: int) -> int | None:
    """The ticket a message the bot sent to `chat_id` belongs to."""
    return session.scalar(select(OutboxMessage.ticket_id).where(
        OutboxMessage.chat_id == chat_id, OutboxMessage.message_id == message_id,
        OutboxMessage.ticket_id.is_not(None)).limit(1))


def prune_outbox(db: Database, now: dt.datetime | None = None,
                 keep: dt.timedelta = KEEP_SENT) -> int:
    """Drop rows sent (or failed) more than `keep` ago, unless their ticket is still active."""
    cutoff = (now or utcnow()) - keep
    active = select(Ticket.id).where(Ticket.status.in_(("open", "claimed")))
    with db.session() as session:
        result = session.execute(delete(OutboxMessage).where(
            OutboxMessage.state.in_(("sent", "failed")), OutboxMessage.created_at < cutoff,
            or_(OutboxMessage.ticket_id.is_(None), OutboxMessage.ticket_id.not_in(active))))
        return int(getattr(result, "rowcount", 0) or 0)


def state_counts(db: Database) -> dict[str, int]:
    """How many rows in each state (for tests and /metrics)."""
    with db.session() as session:
        counts: dict[str, int] = {}
        for state in session.scalars(select(OutboxMessage.state)):
            counts[state] = counts.get(state, 0) + 1
        return counts
