"""Read-only queries for the impact report. They return anonymous rows only: no key, no chat id."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from storage.db import Database
from storage.models import (
    DailyCount,
    FeedbackCount,
    HandoffStat,
    Ticket,
    Unanswered,
    utcnow,
)


@dataclass(frozen=True)
class MessageCount:
    day: dt.date
    route: str
    lang: str
    city: str
    status: str
    count: int


@dataclass(frozen=True)
class FeedbackTotal:
    entry_id: str
    city: str
    up: int
    down: int


@dataclass(frozen=True)
class UnansweredQuestion:
    text: str
    lang: str
    city: str
    best_route: str
    day: dt.date


@dataclass(frozen=True)
class Handoff:
    day: dt.date
    lang: str
    city: str
    topic: str
    urgent: bool
    claim_seconds: int | None
    close_seconds: int | None
    rating: int | None


@dataclass(frozen=True)
class Waiting:
    """A ticket nobody has claimed yet: what it is about and how long it has waited."""

    lang: str
    topic: str
    urgent: bool
    seconds: int


def message_counts(db: Database, since: dt.date) -> list[MessageCount]:
    with db.session() as session:
        rows = session.scalars(select(DailyCount).where(DailyCount.day >= since)
                               .order_by(DailyCount.day))
        return [MessageCount(r.day, r.route, r.lang, r.city, r.status, r.count) for r in rows]


def feedback_totals(db: Database, since: dt.date) -> list[FeedbackTotal]:
    with db.session() as session:
        rows = session.execute(
            select(FeedbackCount.entry_id, FeedbackCount.city, func.sum(FeedbackCount.up),
                   func.sum(FeedbackCount.down))
            .where(FeedbackCount.day >= since)
            .group_by(FeedbackCount.entry_id, FeedbackCount.city))
        return [FeedbackTotal(entry, city, int(up or 0), int(down or 0))
                for entry, city, up, down in rows]


def unanswered_questions(db: Database, since: dt.date) -> list[UnansweredQuestion]:
    start = dt.datetime.combine(since, dt.time(), dt.UTC)
    with db.session() as session:
        rows = session.scalars(select(Unanswered).where(Unanswered.created_at >= start)
                               .order_by(Unanswered.created_at.desc(), Unanswered.id))
        return [UnansweredQuestion(r.text, r.lang, r.city, r.best_route, r.created_at.date())
                for r in rows]


def handoffs(db: Database, since: dt.date) -> list[Handoff]:
    with db.session() as session:
        rows = session.scalars(select(HandoffStat).where(HandoffStat.day >= since)
                               .order_by(HandoffStat.day))
        return [Handoff(r.day, r.lang, r.city, r.topic, r.urgent, r.claim_seconds,
                        r.close_seconds, r.rating) for r in rows]


def waiting_now(db: Database, now: dt.datetime | None = None) -> list[Waiting]:
    now = now or utcnow()
    with db.session() as session:
        rows = session.execute(select(Ticket.lang, Ticket.topic, Ticket.urgent, Ticket.opened_at)
                               .where(Ticket.status == "open").order_by(Ticket.opened_at))
        return [Waiting(lang, topic, urgent, max(0, round((now - opened).total_seconds())))
                for lang, topic, urgent, opened in rows]
