"""Database tables. Privacy by design: users are a keyed hash, never a Telegram id or name.

What links to a person (their key): `users` (settings), `feedback` (their last vote per entry),
`tickets` and `ticket_messages`. `/forget` erases exactly those rows. `tickets.chat_id` is the only
chat id stored, and only while the ticket is open or claimed. Everything else is anonymous:
`daily_counts`, `feedback_counts`, `handoff_stats` and `unanswered` (scrubbed text) carry no key.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC in and out, on PostgreSQL and on SQLite (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use storage.models.utcnow()")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class WrittenText(TypeDecorator[str]):
    """Text a person or caseworker wrote. PostgreSQL cannot store NUL characters (SQLite can);
    they carry no meaning, so they are dropped rather than costing the message."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else value.replace("\x00", "")


ACTIVE_TICKET = "status IN ('open', 'claimed')"


class Base(DeclarativeBase):
    pass


class User(Base):
    """A person's choices, keyed by a pseudonymous key (HMAC of the channel's user id)."""

    __tablename__ = "users"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    lang: Mapped[str | None] = mapped_column(String(8))
    city: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow,
                                                    server_default=func.now())
    last_seen: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow,
                                                   server_default=func.now())


class Feedback(Base):
    """A person's 👍/👎 on an entry (the latest only). Linked to the user only so /forget can erase
    it and a changed vote replaces the old one; the report reads `feedback_counts`."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("user_key", "entry_id", name="uq_feedback_user_entry"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("users.key", ondelete="CASCADE"), index=True)
    entry_id: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8))
    city: Mapped[str] = mapped_column(String(64))
    vote: Mapped[int] = mapped_column(Integer)  # +1 or -1
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class FeedbackCount(Base):
    """Anonymous 👍/👎 per day, entry, language and city."""

    __tablename__ = "feedback_counts"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    city: Mapped[str] = mapped_column(String(64), primary_key=True)
    up: Mapped[int] = mapped_column(Integer, default=0)
    down: Mapped[int] = mapped_column(Integer, default=0)


class DailyCount(Base):
    """Anonymous analytics: how many messages per day, route, language, city and outcome."""

    __tablename__ = "daily_counts"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    route: Mapped[str] = mapped_column(String(64), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    city: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Unanswered(Base):
    """Questions the bot could not answer, scrubbed and unlinked from anyone, for editors.
    `created_at` is kept to the day (midnight UTC) so it cannot be matched to a message."""

    __tablename__ = "unanswered"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(WrittenText)
    lang: Mapped[str] = mapped_column(String(8))
    city: Mapped[str] = mapped_column(String(64))
    best_route: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


def _stats_id() -> str:
    return secrets.token_hex(16)


class HandoffStat(Base):
    """One anonymous line per handoff: its day, language, topic and how long the person waited.
    The random id keeps it from being matched to a ticket number once the ticket is gone."""

    __tablename__ = "handoff_stats"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_stats_id)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    lang: Mapped[str] = mapped_column(String(8))
    city: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(64))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    claim_seconds: Mapped[int | None] = mapped_column(Integer)
    close_seconds: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[int | None] = mapped_column(Integer)


class Ticket(Base):
    """A request for a person (open -> claimed -> closed). `chat_id` is the only chat id the bot
    stores: kept while the bot must write to the person, cleared when the ticket is closed."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'claimed', 'closed')", name="ck_tickets_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(64), index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    lang: Mapped[str] = mapped_column(String(8))
    city: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(64))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)
    rating: Mapped[int | None] = mapped_column(Integer)
    stats_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("handoff_stats.id", ondelete="SET NULL"))


class TicketMessage(Base):
    """A message inside a ticket: the only place message text is stored."""

    __tablename__ = "ticket_messages"
    __table_args__ = (
        CheckConstraint("direction IN ('user', 'caseworker', 'note')",
                        name="ck_ticket_messages_direction"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(WrittenText)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


Index("ix_daily_counts_day", DailyCount.day)
# One open or claimed ticket per person, enforced by the database.
Index("uq_tickets_active_user", Ticket.user_key, unique=True,
      postgresql_where=text(ACTIVE_TICKET), sqlite_where=text(ACTIVE_TICKET))
Index("ix_feedback_counts_day", FeedbackCount.day)


# --- Delivery (bot/telegram/inbox.py, bot/telegram/outbox.py, bot/handoff): nothing lost. ---

class InboxUpdate(Base):
    """A Telegram update, stored before Telegram is told it arrived. `raw` (which holds names
    and text) is erased once the update is handled; the id stays a day to spot redeliveries."""

    __tablename__ = "inbox_updates"
    __table_args__ = (UniqueConstraint("update_id", name="uq_inbox_updates_update_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    update_id: Mapped[int] = mapped_column(BigInteger)
    raw: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class OutboxMessage(Base):
    """A message the bot owes someone (a relay, a card, a notice): a row first, sent after.
    The payload (text, chat ids) is emptied once sent; `message_id` links the sent message to
    its ticket so a caseworker's reply finds the way back."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed')",
                        name="ck_outbox_state"),
        Index("ix_outbox_chat_message", "chat_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))  # text | copy | delete | close_topic | ...
    purpose: Mapped[str] = mapped_column(String(16), default="notice")  # card | relay | notice
    payload: Mapped[str] = mapped_column(Text, default="{}")
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    ticket_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(8), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    sending_since: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)


class TicketThread(Base):
    """Where a ticket lives in the caseworker group (its forum topic, or its card to reply to),
    and whether the person agreed to share their messages. Goes with its ticket."""

    __tablename__ = "ticket_threads"

    ticket_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    group_chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    consented_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    announced_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    relayed: Mapped[int] = mapped_column(Integer, default=0)  # the person's messages passed on
