"""Anonymous analytics: counters with no user in them, and unanswered questions scrubbed of
anything personal. Counters are upserts, so concurrent handlers never lose a count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Mapping
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import DailyCount, Feedback, FeedbackCount, Unanswered, User, utcnow
from storage.scrub import PLACEHOLDERS, scrub


def add_to_counter(session: Session, table: Table, keys: Mapping[str, Any],
                   increments: Mapping[str, int]) -> None:
    """INSERT … ON CONFLICT DO UPDATE: add `increments` to the row with these `keys`."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {**keys, **{column: max(n, 0) for column, n in increments.items()}}
    statement = insert(table).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={column: table.c[column] + n for column, n in increments.items()})
    session.execute(statement)


def count_message(db: Database, route: str, lang: str, city: str, status: str,
                  now: dt.datetime | None = None) -> None:
    """Add one to the day's anonymous counter (no user, no text)."""
    day = (now or utcnow()).date()
    with db.session() as session:
        add_to_counter(session, DailyCount.__table__,  # type: ignore[arg-type]
                       {"day": day, "route": route, "lang": lang, "city": city,
                        "status": status}, {"count": 1})


CountKey = tuple[dt.date, str, str, str, str]  # day, route, lang, city, status


def count_messages(db: Database, counts: Mapping[CountKey, int]) -> None:
    """`count_message` for many at once: one transaction, one upsert per distinct counter."""
    if not counts:
        return
    with db.session() as session:
        for (day, route, lang, city, status), n in sorted(counts.items()):
            add_to_counter(session, DailyCount.__table__,  # type: ignore[arg-type]
                           {"day": day, "route": route, "lang": lang, "city": city,
                            "status": status}, {"count": n})


def record_feedback(db: Database, key: str, entry_id: str, lang: str, city: str,
                    vote: int, now: dt.datetime | None = None) -> None:
    """A 👍 (vote > 0) or 👎 on an entry. A person's repeated vote counts once; a changed vote
    moves their count from the old side to the new one."""
    try:
        _record_feedback(db, key, entry_id, lang, city, 1 if vote > 0 else -1, now or utcnow())
    except IntegrityError:  # the same person voted twice at once: the first one stands
        _record_feedback(db, key, entry_id, lang, city, 1 if vote > 0 else -1, now or utcnow())


def _record_feedback(db: Database, key: str, entry_id: str, lang: str, city: str, vote: int,
                     now: dt.datetime) -> None:
    counts: Table = FeedbackCount.__table__  # type: ignore[assignment]
    with db.session() as session:
        if session.get(User, key) is None:
            session.add(User(key=key, lang=lang, city=city))
            session.flush()
        prior = session.scalar(select(Feedback).where(Feedback.user_key == key,
                                                      Feedback.entry_id == entry_id))
        if prior is not None and prior.vote == vote:
            return
        if prior is not None:
            add_to_counter(session, counts, _feedback_keys(prior.created_at.date(), entry_id,
                                                           prior.lang, prior.city),
                           {"up" if prior.vote > 0 else "down": -1})
            prior.vote, prior.lang, prior.city, prior.created_at = vote, lang, city, now
        else:
            session.add(Feedback(user_key=key, entry_id=entry_id, lang=lang, city=city,
                                 vote=vote, created_at=now))
        add_to_counter(session, counts, _feedback_keys(now.date(), entry_id, lang, city),
                       {"up": int(vote > 0), "down": int(vote < 0)})


def _feedback_keys(day: dt.date, entry_id: str, lang: str, city: str) -> dict[str, Any]:
    return {"day": day, "entry_id": entry_id, "lang": lang, "city": city}


def record_unanswered(db: Database, text: str, lang: str, city: str, best_route: str,
                      known_words: Container[str] = frozenset(),
                      now: dt.datetime | None = None) -> str | None:
    """Keep a question the bot could not answer, for editors: scrubbed, with no link to anyone
    and dated to the day only. Returns what was stored (None when nothing useful was left)."""
    scrubbed = scrub(text, known_words)
    if not any(ch.isalpha() for ch in PLACEHOLDERS.sub("", scrubbed)):
        return None
    day = (now or utcnow()).astimezone(dt.UTC).replace(hour=0, minute=0, second=0,
                                                       microsecond=0)
    with db.session() as session:
        session.add(Unanswered(text=scrubbed, lang=lang, city=city, best_route=best_route,
                               created_at=day))
    return scrubbed
