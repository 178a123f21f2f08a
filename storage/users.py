"""Repository functions for people's settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from storage.db import Database
from storage.models import DailyCount, Feedback, User, utcnow


@dataclass(frozen=True)
class UserSettings:
    key: str
    lang: str | None
    city: str | None
    known: bool


def get_settings(db: Database, key: str) -> UserSettings:
    with db.session() as session:
        user = session.get(User, key)
        if user is None:
            return UserSettings(key, None, None, known=False)
        return UserSettings(key, user.lang, user.city, known=True)


def save_settings(db: Database, key: str, lang: str | None = None,
                  city: str | None = None) -> UserSettings:
    with db.session() as session:
        user = session.get(User, key)
        if user is None:
            user = User(key=key)
            session.add(user)
        if lang is not None:
            user.lang = lang
        if city is not None:
            user.city = city
        user.last_seen = utcnow()
        return UserSettings(key, user.lang, user.city, known=True)


def record_feedback(db: Database, key: str, entry_id: str, lang: str, city: str,
                    vote: int) -> None:
    with db.session() as session:
        if session.get(User, key) is None:
            session.add(User(key=key, lang=lang, city=city))
            session.flush()
        session.add(Feedback(user_key=key, entry_id=entry_id, lang=lang, city=city,
                             vote=1 if vote > 0 else -1))


def count_message(db: Database, route: str, lang: str, city: str, status: str) -> None:
    """Add one to today's anonymous counter (no user, no text)."""
    day = utcnow().date()
    with db.session() as session:
        row = session.get(DailyCount, (day, route, lang, city, status))
        if row is None:
            session.add(DailyCount(day=day, route=route, lang=lang, city=city, status=status,
                                   count=1))
        else:
            row.count += 1


def forget_user(db: Database, key: str) -> None:
    """Erase every row about this person."""
    with db.session() as session:
        session.execute(delete(Feedback).where(Feedback.user_key == key))
        session.execute(delete(User).where(User.key == key))


def known_keys(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(User.key)))
