"""Tickets for the caseworker handoff: open -> claimed -> closed, and the messages inside them.

A ticket is the only place a chat id and message text are stored. Each ticket also feeds one
anonymous `handoff_stats` line (day, language, topic, waiting times) that outlives it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import HandoffStat, Ticket, TicketMessage, utcnow

Direction = Literal["user", "caseworker", "note"]
ACTIVE = ("open", "claimed")


class TicketError(Exception):
    """A ticket operation that cannot be done (unknown ticket, ticket already closed)."""


@dataclass(frozen=True)
class TicketView:
    id: int
    user_key: str
    chat_id: int | None
    lang: str
    city: str
    topic: str
    urgent: bool
    status: str
    opened_at: dt.datetime
    claimed_at: dt.datetime | None
    closed_at: dt.datetime | None
    rating: int | None

    def waiting(self, now: dt.datetime | None = None) -> dt.timedelta:
        """How long the person has waited for a caseworker (until claimed, or until now)."""
        return (self.claimed_at or self.closed_at or now or utcnow()) - self.opened_at


@dataclass(frozen=True)
class MessageView:
    ticket_id: int
    direction: str
    text: str
    created_at: dt.datetime


def _view(ticket: Ticket) -> TicketView:
    return TicketView(ticket.id, ticket.user_key, ticket.chat_id, ticket.lang, ticket.city,
                      ticket.topic, ticket.urgent, ticket.status, ticket.opened_at,
                      ticket.claimed_at, ticket.closed_at, ticket.rating)


def _active(session: Session, user_key: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.user_key == user_key,
                                                Ticket.status.in_(ACTIVE))
                           .order_by(Ticket.id.desc()).limit(1)).first()


def open_ticket(db: Database, user_key: str, chat_id: int, lang: str, city: str, topic: str,
                urgent: bool = False, now: dt.datetime | None = None) -> TicketView:
    """A new ticket, or the person's ticket that is still open or claimed (one at a time;
    it becomes urgent if this request is)."""
    try:
        return _open_ticket(db, user_key, chat_id, lang, city, topic, urgent, now or utcnow())
    except IntegrityError:  # opened at the same moment by another handler: use that one
        return _open_ticket(db, user_key, chat_id, lang, city, topic, urgent, now or utcnow())


def _open_ticket(db: Database, user_key: str, chat_id: int, lang: str, city: str, topic: str,
                 urgent: bool, now: dt.datetime) -> TicketView:
    with db.session() as session:
        ticket = _active(session, user_key)
        if ticket is not None:
            ticket.chat_id = chat_id
            if urgent and not ticket.urgent:
                ticket.urgent = True
                if ticket.stats_id and (stat := session.get(HandoffStat, ticket.stats_id)):
                    stat.urgent = True
            return _view(ticket)
        stat = HandoffStat(day=now.date(), lang=lang, city=city, topic=topic, urgent=urgent)
        session.add(stat)
        session.flush()
        ticket = Ticket(user_key=user_key, chat_id=chat_id, lang=lang, city=city, topic=topic,
                        urgent=urgent, status="open", opened_at=now, stats_id=stat.id)
        session.add(ticket)
        session.flush()
        return _view(ticket)


def add_message(db: Database, ticket_id: int, direction: Direction, text: str,
                now: dt.datetime | None = None) -> MessageView:
    """Keep a message of an open or claimed ticket (text is never kept outside tickets)."""
    if direction not in ("user", "caseworker", "note"):
        raise ValueError(f"unknown direction {direction!r}")
    now = now or utcnow()
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.status not in ACTIVE:
            raise TicketError(f"ticket {ticket_id} is not open")
        session.add(TicketMessage(ticket_id=ticket_id, direction=direction, text=text,
                                  created_at=now))
    return MessageView(ticket_id, direction, text, now)


def claim(db: Database, ticket_id: int, now: dt.datetime | None = None) -> TicketView | None:
    """A caseworker takes an open ticket; None when it was not open (someone was faster)."""
    now = now or utcnow()
    with db.session() as session:
        taken = session.execute(
            update(Ticket).where(Ticket.id == ticket_id, Ticket.status == "open")
            .values(status="claimed", claimed_at=now))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        ticket = session.get(Ticket, ticket_id, populate_existing=True)
        assert ticket is not None
        _stat_update(session, ticket, claim_seconds=_seconds(now - ticket.opened_at))
        return _view(ticket)


def close(db: Database, ticket_id: int, now: dt.datetime | None = None) -> TicketView | None:
    """Close an open or claimed ticket and forget its chat id; the returned view still carries
    the chat id so a last message can be sent. None when it was already closed or unknown."""
    now = now or utcnow()
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id, with_for_update=True)
        if ticket is None or ticket.status not in ACTIVE:
            return None
        view = _view(ticket)
        ticket.status, ticket.closed_at, ticket.chat_id = "closed", now, None
        _stat_update(session, ticket, close_seconds=_seconds(now - ticket.opened_at))
        return replace(view, status="closed", closed_at=now)


def rate(db: Database, ticket_id: int, rating: int) -> bool:
    """The person's rating (1-5) of the help they got; False for an unknown ticket."""
    if not 1 <= rating <= 5:
        raise ValueError("rating must be 1 to 5")
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return False
        ticket.rating = rating
        _stat_update(session, ticket, rating=rating)
        return True


def open_ticket_for(db: Database, user_key: str) -> TicketView | None:
    """The person's open or claimed ticket, if any."""
    with db.session() as session:
        ticket = _active(session, user_key)
        return None if ticket is None else _view(ticket)


def get_ticket(db: Database, ticket_id: int) -> TicketView | None:
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        return None if ticket is None else _view(ticket)


def messages(db: Database, ticket_id: int, last: int | None = None) -> list[MessageView]:
    """A ticket's messages, oldest first (only the `last` few when given)."""
    with db.session() as session:
        query = select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
        rows = list(session.scalars(query.order_by(TicketMessage.id.desc()).limit(last)))
        return [MessageView(m.ticket_id, m.direction, m.text, m.created_at)
                for m in reversed(rows)]


def waiting_tickets(db: Database) -> list[TicketView]:
    """Open tickets nobody has claimed yet: urgent first, then oldest first."""
    with db.session() as session:
        rows = session.scalars(select(Ticket).where(Ticket.status == "open")
                               .order_by(Ticket.urgent.desc(), Ticket.opened_at))
        return [_view(ticket) for ticket in rows]


def _seconds(delta: dt.timedelta) -> int:
    return max(0, round(delta.total_seconds()))


def _stat_update(session: Session, ticket: Ticket, **values: int) -> None:
    if ticket.stats_id is None:
        return
    stat = session.get(HandoffStat, ticket.stats_id)
    if stat is not None:
        for name, value in values.items():
            setattr(stat, name, value)
