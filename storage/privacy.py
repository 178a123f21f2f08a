"""Forgetting: /forget erases a person's rows everywhere; retention purges what has expired."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import delete, or_, select

from storage.db import Database
from storage.models import Feedback, Ticket, TicketMessage, Unanswered, User, utcnow

logger = logging.getLogger(__name__)
# message text, chat ids: rewritten on erase (the outbox holds relayed text until it is sent)
TEXT_TABLES = ("ticket_messages", "tickets", "outbox")
KEY_TABLES = ("feedback", "users")  # pseudonymous key, language, city, votes


@dataclass(frozen=True)
class Forgotten:
    """How many rows /forget erased, per kind."""

    tickets: int
    messages: int
    feedback: int
    settings: int

    @property
    def total(self) -> int:
        return self.tickets + self.messages + self.feedback + self.settings


@dataclass(frozen=True)
class Purged:
    """How many expired rows a retention run erased, per kind."""

    tickets: int
    messages: int
    unanswered: int
    feedback: int

    @property
    def total(self) -> int:
        return self.tickets + self.messages + self.unanswered + self.feedback


def forget_user(db: Database, key: str, chat_id: int | None = None) -> Forgotten:
    """Erase every row about this person: tickets (found by key, and by chat id when given),
    their messages, feedback and settings. Anonymous counters stay: they name no one."""
    with db.session() as session:
        owner = Ticket.user_key == key
        if chat_id is not None:
            owner = or_(owner, Ticket.chat_id == chat_id)
        ticket_ids = list(session.scalars(select(Ticket.id).where(owner)))
        messages = _count(session.execute(
            delete(TicketMessage).where(TicketMessage.ticket_id.in_(ticket_ids))))
        tickets = _count(session.execute(delete(Ticket).where(Ticket.id.in_(ticket_ids))))
        feedback = _count(session.execute(delete(Feedback).where(Feedback.user_key == key)))
        settings = _count(session.execute(delete(User).where(User.key == key)))
    db.reclaim(TEXT_TABLES, KEY_TABLES)
    return Forgotten(tickets, messages, feedback, settings)


def purge_expired(db: Database, retention_days: int, now: dt.datetime | None = None) -> Purged:
    """Erase tickets closed more than `retention_days` ago with their messages, and unanswered
    questions and individual votes older than that (their anonymous counts stay)."""
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    with db.session() as session:
        expired = list(session.scalars(select(Ticket.id).where(Ticket.status == "closed",
                                                               Ticket.closed_at < cutoff)))
        messages = _count(session.execute(
            delete(TicketMessage).where(TicketMessage.ticket_id.in_(expired))))
        tickets = _count(session.execute(delete(Ticket).where(Ticket.id.in_(expired))))
        unanswered = _count(session.execute(
            delete(Unanswered).where(Unanswered.created_at < cutoff)))
        feedback = _count(session.execute(delete(Feedback).where(Feedback.created_at < cutoff)))
    purged = Purged(tickets, messages, unanswered, feedback)
    if purged.total:
        db.reclaim((*TEXT_TABLES, "unanswered"), KEY_TABLES)
    return purged


async def retention_loop(db: Database, days: int, interval: float = 3600.0) -> None:
    """Purge expired rows now and then every `interval` seconds, until cancelled. A failed run
    is logged and tried again at the next interval."""
    while True:
        try:
            purged = await asyncio.to_thread(purge_expired, db, days)
            if purged.total:
                logger.info("Retention: erased %d closed tickets, %d messages, %d unanswered "
                            "questions, %d votes older than %d days", purged.tickets,
                            purged.messages, purged.unanswered, purged.feedback, days)
        except Exception:
            logger.warning("Retention run failed; trying again in %.0f s", interval,
                           exc_info=True)
        await asyncio.sleep(interval)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
