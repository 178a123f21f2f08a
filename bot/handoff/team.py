"""The caseworkers' side: /claim, /close [note], /note, /queue, their replies to a person, and
re-announcing requests nobody has taken. The channel checks group membership first.

Each call is one transaction: the ticket change, the messages owed to the person and to the
group (outbox), and the inbox update marked processed — so a restart never does it twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from actions import Reply
from bot.handoff import texts
from bot.handoff.desk import Desk, GroupPlace, Relayed
from storage import handoff as tickets
from storage.inbox import take_in
from storage.outbox import ticket_of_message
from storage.tickets import ACTIVE, TicketView, waiting_tickets

logger = logging.getLogger(__name__)


def _number(word: str) -> int | None:
    word = word.strip().removeprefix("#")
    return int(word) if word.isdigit() else None


class Casework:
    """What a member of the caseworker group can do."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def _here(self, session: Session, place: GroupPlace) -> int | None:
        """The ticket a topic or a reply belongs to."""
        if place.thread_id is not None:
            found = tickets.ticket_in_thread(session, self.desk.group, place.thread_id)
            if found is not None:
                return found
        if place.reply_to is not None:
            return ticket_of_message(session, self.desk.group, place.reply_to)
        return None

    async def ticket_here(self, place: GroupPlace) -> int | None:
        """The ticket of a caseworker's message, from its topic or what it replies to."""
        return await self.desk.transaction(lambda session: self._here(session, place))

    async def target(self, place: GroupPlace, args: str) -> tuple[int | None, str]:
        """A command's ticket and the rest of its text: `#12` or `12` first, else the topic or
        the reply it was written in."""
        first, _, rest = args.strip().partition(" ")
        explicit = _number(first) if first.startswith("#") else None
        if explicit is not None:
            return explicit, rest.strip()
        here = await self.ticket_here(place)
        if here is not None:
            return here, args.strip()
        return _number(first), rest.strip()

    def _answer(self, session: Session, place: GroupPlace, key: str, **values: object) -> None:
        self.desk.to_group(session, Reply(text=self.desk.cw(key, **values)), place=place)

    def _active(self, session: Session, ticket_id: int | None,
                place: GroupPlace) -> TicketView | None:
        """The ticket if it is open or claimed; otherwise say why not."""
        view = tickets.ticket(session, ticket_id) if ticket_id is not None else None
        if view is None:
            self._answer(session, place, "caseworker.no_ticket")
        elif view.status not in ACTIVE:
            self._answer(session, place, "caseworker.ticket_closed", ticket=view.id)
            return None
        return view

    async def _on_active_ticket(self, ticket_id: int | None, update_id: int | None,
                                place: GroupPlace,
                                work: Callable[[Session, TicketView], None]) -> None:
        """Run a caseworker command on its active ticket, once per Telegram update."""

        def guarded(session: Session) -> None:
            if not take_in(session, update_id):
                return
            view = self._active(session, ticket_id, place)
            if view is not None:
                work(session, view)

        await self.desk.transaction(guarded)

    async def claim(self, ticket_id: int | None, update_id: int | None,
                    place: GroupPlace) -> None:
        """/claim: take a request; the person hears someone is looking at it."""

        def work(session: Session, view: TicketView) -> None:
            if tickets.claim(session, view.id, self.desk.clock()) is None:
                self._answer(session, place, "caseworker.already_claimed", ticket=view.id)
                return
            self._answer(session, place, "caseworker.claimed", ticket=view.id)
            if view.chat_id is not None:
                self.desk.to_person(session, view.chat_id, view.lang, texts.person_notice(
                    self.desk.content, view.lang, "handoff.claimed", ticket=view.id), view.id)

        await self._on_active_ticket(ticket_id, update_id, place, work)

    async def close(self, ticket_id: int | None, note: str, update_id: int | None,
                    place: GroupPlace) -> None:
        """/close [note]: close a request (the note stays internal); the person is told and
        asked for a rating."""

        def work(session: Session, view: TicketView) -> None:
            now = self.desk.clock()
            if note:
                tickets.add_message(session, view.id, "note", note, now)
            closed = tickets.close(session, view.id, now)
            assert closed is not None
            self._answer(session, place, "caseworker.closed", ticket=view.id,
                         minutes=texts.minutes(now - view.opened_at))
            if closed.chat_id is not None:
                self.desk.to_person(session, closed.chat_id, view.lang, texts.closed_notice(
                    self.desk.content, view.lang, view.id), view.id)
            thread = tickets.thread_of(session, view.id)
            if thread is not None and thread.thread_id is not None:
                self.desk.to_group_raw(session, "close_topic", {}, thread.thread_id)

        await self._on_active_ticket(ticket_id, update_id, place, work)

    async def note(self, ticket_id: int | None, text: str, update_id: int | None,
                   place: GroupPlace) -> None:
        """/note: an internal note on a request, never sent to the person."""

        def work(session: Session, view: TicketView) -> None:
            if not text:
                self._answer(session, place, "caseworker.note_empty")
                return
            tickets.add_message(session, view.id, "note", text, self.desk.clock())
            self._answer(session, place, "caseworker.note_saved", ticket=view.id)

        await self._on_active_ticket(ticket_id, update_id, place, work)

    async def queue(self, update_id: int | None, place: GroupPlace) -> None:
        """/queue: the requests waiting, urgent first, then the longest waiting."""
        waiting = await asyncio.to_thread(waiting_tickets, self.desk.db)

        def work(session: Session) -> None:
            if not take_in(session, update_id):
                return
            self.desk.to_group(session, texts.queue(
                self.desk.content, self.desk.config.caseworker_lang, waiting,
                tickets.claimed_count(session), self.desk.clock()), place=place)

        await self.desk.transaction(work)

    async def relay(self, ticket_id: int, update_id: int | None, message: Relayed,
                    place: GroupPlace) -> None:
        """A caseworker's reply goes to the person (and takes the request if nobody has)."""

        def work(session: Session, view: TicketView) -> None:
            if view.chat_id is None:
                return
            now = self.desk.clock()
            tickets.add_message(session, view.id, "caseworker", message.stored, now)
            if view.status == "open":
                tickets.claim(session, view.id, now)
            if message.kind == "text":
                self.desk.to_person(session, view.chat_id, view.lang, texts.from_caseworker(
                    self.desk.content, view.lang, message.text), view.id, purpose="relay")
            else:
                self.desk.copy(session, view.chat_id, message,
                               self.desk.say(view.lang, "handoff.from_caseworker"),
                               self.desk.say(view.lang, "handoff.repeated"), view.id)

        await self._on_active_ticket(ticket_id, update_id, place, work)

    async def reannounce(self) -> int:
        """Remind the group of requests still unclaimed `reannounce` after the last reminder."""

        def work(session: Session) -> int:
            now = self.desk.clock()
            due = tickets.unclaimed_due(session, now - self.desk.config.reannounce)
            for view in due:
                thread = tickets.thread_of(session, view.id)
                assert thread is not None
                thread.announced_at = now
                flag = "🆘 " if view.urgent else ""
                self.desk.to_group(session, Reply(text=flag + self.desk.cw(
                    "caseworker.reannounce", ticket=view.id,
                    minutes=texts.minutes(now - view.opened_at))), view.id)
            return len(due)

        count = await self.desk.transaction(work)
        if count:
            logger.info("Handoff: re-announced %d unclaimed requests", count)
        return count
