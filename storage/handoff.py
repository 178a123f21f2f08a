"""Ticket changes inside a caller's transaction, so each commits together with the messages it
puts in the outbox and the inbox update that caused it (bot/handoff). The rules are those of
`storage.tickets` (one active ticket per person, anonymous `handoff_stats`), whose helpers they
reuse; `storage.tickets` stays the API for everything that needs no outbox.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import HandoffStat, OutboxMessage, Ticket, TicketMessage, TicketThread, utcnow
from storage.tickets import ACTIVE, Direction, TicketView, _active, _seconds, _stat_update, _view

WAIT_SAMPLE = 50  # the last claimed tickets the usual waiting time is the median of


def active_ticket(session: Session, user_key: str) -> TicketView | None:
    ticket = _active(session, user_key)
    return None if ticket is None else _view(ticket)


def ticket(session: Session, ticket_id: int) -> TicketView | None:
    found = session.get(Ticket, ticket_id)
    return None if found is None else _view(found)


def thread_of(session: Session, ticket_id: int) -> TicketThread | None:
    return session.get(TicketThread, ticket_id)


def add_thread(session: Session, ticket_id: int, group_chat_id: int, consented: bool,
               now: dt.datetime | None = None) -> TicketThread:
    """Where the ticket will live in the group (its topic and card come when they are sent)."""
    now = now or utcnow()
    thread = TicketThread(ticket_id=ticket_id, group_chat_id=group_chat_id, thread_id=None,
                          card_message_id=None, consented_at=now if consented else None,
                          announced_at=now, relayed=0)
    session.add(thread)
    session.flush()
    return thread


def ticket_in_thread(session: Session, group_chat_id: int, thread_id: int) -> int | None:
    return session.scalar(select(TicketThread.ticket_id).where(
        TicketThread.group_chat_id == group_chat_id, TicketThread.thread_id == thread_id))


def add_message(session: Session, ticket_id: int, direction: Direction, text: str,
                now: dt.datetime | None = None) -> None:
    session.add(TicketMessage(ticket_id=ticket_id, direction=direction, text=text,
                              created_at=now or utcnow()))


def mark_urgent(session: Session, ticket_id: int) -> bool:
    """Make a ticket urgent; False when it already was."""
    found = session.get(Ticket, ticket_id)
    if found is None or found.urgent:
        return False
    found.urgent = True
    if found.stats_id and (stat := session.get(HandoffStat, found.stats_id)):
        stat.urgent = True
    return True


def claim(session: Session, ticket_id: int, now: dt.datetime | None = None) -> TicketView | None:
    """Open -> claimed; None when the ticket was not open."""
    now = now or utcnow()
    taken = session.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.status == "open")
                            .values(status="claimed", claimed_at=now))
    if getattr(taken, "rowcount", 0) != 1:
        return None
    found = session.get(Ticket, ticket_id, populate_existing=True)
    assert found is not None
    _stat_update(session, found, claim_seconds=_seconds(now - found.opened_at))
    return _view(found)


def close(session: Session, ticket_id: int, now: dt.datetime | None = None) -> TicketView | None:
    """Close an active ticket and forget its chat id; the view returned still has it, for the
    last message. None when it was not active."""
    now = now or utcnow()
    found = session.get(Ticket, ticket_id, with_for_update=True)
    if found is None or found.status not in ACTIVE:
        return None
    view = _view(found)
    found.status, found.closed_at, found.chat_id = "closed", now, None
    _stat_update(session, found, close_seconds=_seconds(now - found.opened_at))
    return replace(view, status="closed", closed_at=now)


def unclaimed_due(session: Session, announced_before: dt.datetime) -> list[TicketView]:
    """Open tickets last announced before `announced_before`, urgent first, oldest first."""
    rows = session.scalars(  # replicas: the one that locks a ticket first announces it
        select(Ticket).join(TicketThread, TicketThread.ticket_id == Ticket.id)
        .where(Ticket.status == "open", TicketThread.announced_at < announced_before)
        .order_by(Ticket.urgent.desc(), Ticket.opened_at)
        .with_for_update(skip_locked=True, of=TicketThread))
    return [_view(found) for found in rows]


def claimed_count(session: Session) -> int:
    return len(session.scalars(select(Ticket.id).where(Ticket.status == "claimed")).all())


def tickets_of(session: Session, user_key: str) -> list[tuple[TicketView, TicketThread | None]]:
    """Every ticket of a person with where it lives in the group (for /forget)."""
    rows = session.scalars(select(Ticket).where(Ticket.user_key == user_key))
    return [(_view(found), session.get(TicketThread, found.id)) for found in rows]


def group_messages(session: Session, ticket_id: int, group_chat_id: int) -> list[int]:
    """The ids of the messages the bot posted in the group for a ticket."""
    found = session.scalars(select(OutboxMessage.message_id).where(
        OutboxMessage.ticket_id == ticket_id, OutboxMessage.chat_id == group_chat_id,
        OutboxMessage.message_id.is_not(None)))
    return [message_id for message_id in found if message_id is not None]


def usual_wait_minutes(db: Database) -> int | None:
    """The median time to a claim over the last claimed tickets (anonymous statistics)."""
    with db.session() as session:
        seconds = session.scalars(
            select(HandoffStat.claim_seconds).where(HandoffStat.claim_seconds.is_not(None))
            .order_by(HandoffStat.day.desc()).limit(WAIT_SAMPLE)).all()
    samples = [value for value in seconds if value is not None]
    if len(samples) < 3:
        return None
    return max(1, round(statistics.median(samples) / 60))
