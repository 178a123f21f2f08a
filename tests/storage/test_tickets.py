"""Tickets: open -> claimed -> closed, messages inside them, one active ticket per person."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from storage import Database
from storage.models import HandoffStat
from storage.tickets import (
    TicketError,
    add_message,
    claim,
    close,
    get_ticket,
    messages,
    open_ticket,
    open_ticket_for,
    rate,
    waiting_tickets,
)

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
CHAT = 987654321012


def test_ticket_lifecycle_records_times_and_forgets_the_chat_id_on_close(db: Database) -> None:
    ticket = open_ticket(db, "key-a", CHAT, "uk", "berlin", "rights.residence", now=T0)
    assert (ticket.status, ticket.chat_id, ticket.opened_at) == ("open", CHAT, T0)
    assert open_ticket_for(db, "key-a") == ticket

    claimed = claim(db, ticket.id, now=T0 + dt.timedelta(minutes=12))
    assert claimed is not None and claimed.status == "claimed"
    assert claimed.waiting() == dt.timedelta(minutes=12)

    closed = close(db, ticket.id, now=T0 + dt.timedelta(hours=2))
    assert closed is not None and closed.status == "closed"
    assert closed.chat_id == CHAT  # for the last message to the person
    stored = get_ticket(db, ticket.id)
    assert stored is not None and stored.chat_id is None and stored.closed_at == closed.closed_at
    assert open_ticket_for(db, "key-a") is None

    with db.session() as session:
        stat = session.scalars(select(HandoffStat)).one()
    assert (stat.claim_seconds, stat.close_seconds, stat.topic) == (720, 7200, "rights.residence")


def test_times_come_back_timezone_aware_in_utc(db: Database) -> None:
    berlin = dt.timezone(dt.timedelta(hours=1))
    ticket = open_ticket(db, "key-a", CHAT, "de", "berlin", "services.housing",
                         now=dt.datetime(2026, 11, 20, 10, 0, tzinfo=berlin))
    stored = get_ticket(db, ticket.id)
    assert stored is not None
    assert stored.opened_at == T0 and stored.opened_at.utcoffset() == dt.timedelta(0)


def test_messages_are_kept_in_order_and_only_while_the_ticket_is_active(db: Database) -> None:
    ticket = open_ticket(db, "key-a", CHAT, "ar", "berlin", "services.health", now=T0)
    for n, direction in enumerate(("user", "caseworker", "note", "user")):
        add_message(db, ticket.id, direction, f"message {n}",  # type: ignore[arg-type]
                    now=T0 + dt.timedelta(minutes=n))
    assert [m.text for m in messages(db, ticket.id)] == [f"message {n}" for n in range(4)]
    assert [m.direction for m in messages(db, ticket.id, last=2)] == ["note", "user"]
    close(db, ticket.id, now=T0 + dt.timedelta(hours=1))
    with pytest.raises(TicketError):
        add_message(db, ticket.id, "user", "too late")
    with pytest.raises(TicketError):
        add_message(db, 999_999, "user", "no such ticket")


def test_only_one_caseworker_can_claim_a_ticket(db: Database) -> None:
    ticket = open_ticket(db, "key-a", CHAT, "fa", "berlin", "services.legal_aid", now=T0)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: claim(db, ticket.id), range(8)))
    assert sum(result is not None for result in results) == 1
    assert close(db, ticket.id) is not None
    assert close(db, ticket.id) is None  # already closed
    assert claim(db, ticket.id) is None


def test_a_person_has_one_active_ticket_which_urgency_upgrades(db: Database) -> None:
    first = open_ticket(db, "key-a", CHAT, "ru", "berlin", "services.housing", now=T0)
    again = open_ticket(db, "key-a", CHAT + 1, "ru", "berlin", "services.gbv", urgent=True)
    assert again.id == first.id and again.urgent and again.chat_id == CHAT + 1
    with ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(lambda _: open_ticket(db, "key-b", 5, "en", "berlin",
                                                 "emergency").id, range(6)))
    assert len(ids) == 1
    close(db, first.id)
    assert open_ticket(db, "key-a", CHAT, "ru", "berlin", "services.housing").id != first.id


def test_waiting_tickets_lists_urgent_first_then_oldest(db: Database) -> None:
    calm = open_ticket(db, "key-a", 1, "en", "berlin", "services.money", now=T0)
    urgent = open_ticket(db, "key-b", 2, "en", "berlin", "services.gbv", urgent=True,
                         now=T0 + dt.timedelta(minutes=5))
    later = open_ticket(db, "key-c", 3, "en", "berlin", "services.work",
                        now=T0 + dt.timedelta(minutes=9))
    claimed = open_ticket(db, "key-d", 4, "en", "berlin", "services.work", now=T0)
    claim(db, claimed.id)
    assert [t.id for t in waiting_tickets(db)] == [urgent.id, calm.id, later.id]


def test_rating_is_kept_on_the_ticket_and_in_the_anonymous_stats(db: Database) -> None:
    ticket = open_ticket(db, "key-a", CHAT, "tr", "berlin", "rights.work", now=T0)
    close(db, ticket.id, now=T0 + dt.timedelta(hours=1))
    assert rate(db, ticket.id, 4)
    assert not rate(db, 424242, 4)
    with pytest.raises(ValueError):
        rate(db, ticket.id, 9)
    stored = get_ticket(db, ticket.id)
    assert stored is not None and stored.rating == 4
    with db.session() as session:
        assert session.scalars(select(HandoffStat.rating)).one() == 4
