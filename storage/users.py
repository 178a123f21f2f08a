"""Repository functions for people's settings (and, re-exported, the calls channels make about
a person: feedback, anonymous counts, /forget)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from storage.analytics import count_message, record_feedback, record_unanswered
from storage.db import Database
from storage.models import User, utcnow
from storage.privacy import forget_user

__all__ = ["UserSettings", "count_message", "forget_user", "get_settings", "known_keys",
           "record_feedback", "record_unanswered", "save_settings"]


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


def known_keys(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(User.key)))
