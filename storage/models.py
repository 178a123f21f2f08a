"""Database tables. Privacy by design: users are a keyed hash, never a Telegram id or name."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    """A person's choices, keyed by a pseudonymous key (HMAC of the channel's user id)."""

    __tablename__ = "users"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    lang: Mapped[str | None] = mapped_column(String(8))
    city: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                    server_default=func.now())
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                   server_default=func.now())


class Feedback(Base):
    """👍/👎 on an answer. Linked to the user only so /forget can erase it."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("users.key", ondelete="CASCADE"), index=True)
    entry_id: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8))
    city: Mapped[str] = mapped_column(String(64))
    vote: Mapped[int] = mapped_column(Integer)  # +1 or -1
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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
    """Questions the bot could not answer, scrubbed and unlinked from anyone, for editors."""

    __tablename__ = "unanswered"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    city: Mapped[str] = mapped_column(String(64))
    best_route: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                    index=True)


Index("ix_daily_counts_day", DailyCount.day)
