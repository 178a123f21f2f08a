"""The person's side of the handoff: asking for a person, consenting, passing messages on, ending,
rating, and the urgent requests safety routes open at once.

Channel-neutral: answers to the person's own action come back as `Reply` values; everything
that crosses to the other side (cards, relays, notices) is written to the outbox in the same
transaction as the ticket change, and marks the inbox update that caused it as processed there.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from actions import Outcome, Reply
from actions.buttons import SAFETY_ROUTES
from bot import screens
from bot.handoff import texts
from bot.handoff.desk import Desk, Relayed
from bot.handoff.hours import is_open, next_opening, when_text
from bot.handoff.recent import Exchange, RecentExchanges
from storage import handoff as tickets
from storage.inbox import take_in
from storage.tickets import TicketView, open_ticket, rate

if TYPE_CHECKING:
    from bot.conversation import Person

logger = logging.getLogger(__name__)
UP, DOWN = 5, 1  # 👍/👎 on the 1-5 scale of `storage.tickets.rate`


class Handoff:
    """Implements `HandoffHooks` for `Conversations`, plus the relays the channel calls."""

    actions = frozenset({"human", "handoff", "rate"})

    def __init__(self, desk: Desk, recent: RecentExchanges | None = None) -> None:
        self.desk = desk
        self.recent = recent or RecentExchanges(clock=desk.clock)

    def _city(self, city: str | None) -> str:
        return self.desk.content.city(city).city.id

    def _topic(self, exchanges: Sequence[Exchange]) -> str:
        """The topic of the request: that of the last exchange about one ("handoff" if none)."""
        topics = self.desk.content.taxonomy.topics
        return next((e.route for e in reversed(exchanges) if e.route in topics), "handoff")

    async def after_answer(self, person: Person, text: str, outcome: Outcome,
                           city: str | None) -> Outcome:
        """Remember the exchange; asking for a person in words goes straight to the consent
        screen; a safety route opens an urgent request at once."""
        asks_for_person = outcome.route == "handoff" and outcome.status != "clarify"
        if not asks_for_person:
            self.recent.note(person.key, text, outcome)
        if person.address is None or outcome.status == "clarify":
            return outcome
        if asks_for_person:
            start = await self.start(person, outcome.lang, self._city(city), urgent=False)
            return dataclasses.replace(outcome, replies=tuple(start))
        if outcome.route not in SAFETY_ROUTES:
            return outcome
        extra = await self._urgent(person, outcome.lang, self._city(city), outcome.route)
        return dataclasses.replace(outcome, replies=outcome.replies + tuple(extra))

    async def press(self, person: Person, action: str, lang: str,
                    city: str | None) -> list[Reply] | None:
        """Answer "human", "handoff:yes|no" and "rate:up|down:<ticket>"."""
        kind, _, value = action.partition(":")
        if kind == "rate":
            return await self._rate(person, lang, value)
        if person.address is None:  # a channel without caseworkers
            return None
        if kind == "human":
            return await self.start(person, lang, self._city(city), urgent=value == "urgent")
        if value.startswith("yes"):
            return await self.confirm(person, lang, self._city(city),
                                      urgent=value.endswith("urgent"))
        return await self.decline(person, lang)

    async def start(self, person: Person, lang: str, city: str, urgent: bool) -> list[Reply]:
        """Tell the person who will see what, and ask; or say their request is open."""

        def work(session: Session) -> tuple[TicketView | None, bool]:
            view = tickets.active_ticket(session, person.key)
            thread = tickets.thread_of(session, view.id) if view else None
            if view is None or thread is None or thread.consented_at is None:
                return view, False
            if view.status == "open":  # asking again: remind the team
                self.desk.to_group(session, Reply(text=self.desk.cw(
                    "caseworker.asked_again", ticket=view.id,
                    minutes=texts.minutes(self.desk.clock() - view.opened_at))), view.id)
            return view, True

        view, consented = await self.desk.transaction(work)
        if view is not None and consented:
            return [texts.person_notice(self.desk.content, lang, "handoff.already_open",
                                        ticket=view.id)]
        urgent = urgent or bool(view and view.urgent)
        recent = self.recent.last(person.key)
        return [texts.consent_screen(self.desk.content, lang, self._topic(recent), recent,
                                     urgent)]

    async def confirm(self, person: Person, lang: str, city: str, urgent: bool) -> list[Reply]:
        """The person agreed: the ticket (stored first), the card with the last exchanges."""
        assert person.address is not None
        exchanges = self.recent.last(person.key)
        topic = self._topic(exchanges)
        urgent = urgent or topic in SAFETY_ROUTES
        view = await asyncio.to_thread(open_ticket, self.desk.db, person.key, person.address,
                                       lang, city, topic, urgent, self.desk.clock())

        def work(session: Session) -> bool:
            now = self.desk.clock()
            thread = tickets.thread_of(session, view.id)
            if thread is not None and thread.consented_at is not None:
                return False
            for exchange in exchanges:
                tickets.add_message(session, view.id, "user", exchange.text, exchange.at)
            if thread is None:
                tickets.add_thread(session, view.id, self.desk.group, consented=True, now=now)
                fresh = tickets.ticket(session, view.id) or view
                self.desk.card(session, texts.card(
                    self.desk.content, self.desk.config.caseworker_lang, fresh, exchanges,
                    consented=True, now=now), fresh)
            else:
                thread.consented_at = now
                self.desk.to_group(session, texts.consented_notice(
                    self.desk.content, self.desk.config.caseworker_lang, view.id, exchanges),
                    view.id)
            return True

        if not await self.desk.transaction(work):
            return [texts.person_notice(self.desk.content, lang, "handoff.already_open",
                                        ticket=view.id)]
        self.recent.forget(person.key)
        logger.info("Handoff: request opened (urgent=%s)", view.urgent or urgent)
        wait = await self._usual_wait(lang)
        replies = [texts.person_notice(self.desk.content, lang, "handoff.opened",
                                       ticket=view.id, wait=wait)]
        if view.urgent or urgent:
            replies.append(texts.person_notice(self.desk.content, lang, "handoff.urgent"))
        return replies + self._hours_notice(lang, city)

    async def _urgent(self, person: Person, lang: str, city: str, route: str) -> list[Reply]:
        """A safety route: an urgent ticket and a card now (with no text of the person's until
        they agree), the team told, and the person asked whether to share their messages."""
        assert person.address is not None
        view = await asyncio.to_thread(open_ticket, self.desk.db, person.key, person.address,
                                       lang, city, route, True, self.desk.clock())

        def work(session: Session) -> bool:
            now = self.desk.clock()
            thread = tickets.thread_of(session, view.id)
            if thread is None:
                tickets.add_thread(session, view.id, self.desk.group, consented=False, now=now)
                fresh = tickets.ticket(session, view.id) or view
                self.desk.card(session, texts.card(
                    self.desk.content, self.desk.config.caseworker_lang, fresh, (),
                    consented=False, now=now), fresh)
            elif tickets.mark_urgent(session, view.id):
                self.desk.to_group(session, Reply(text=self.desk.cw(
                    "caseworker.now_urgent", ticket=view.id)), view.id)
            return thread is not None and thread.consented_at is not None

        consented = await self.desk.transaction(work)
        logger.info("Handoff: urgent request opened from a safety route")
        replies = [texts.person_notice(self.desk.content, lang, "handoff.urgent"),
                   *self._hours_notice(lang, city, numbers=False)]
        if not consented:
            replies.append(texts.consent_screen(self.desk.content, lang, route,
                                                self.recent.last(person.key), urgent=True))
        return replies

    async def decline(self, person: Person, lang: str) -> list[Reply]:
        """No: nothing is shared; an urgent request waiting for this answer is closed."""

        def work(session: Session) -> None:
            view = tickets.active_ticket(session, person.key)
            thread = tickets.thread_of(session, view.id) if view else None
            if view is None or thread is None or thread.consented_at is not None:
                return
            tickets.close(session, view.id, self.desk.clock())
            self.desk.to_group(session, Reply(text=self.desk.cw("caseworker.declined",
                                                                 ticket=view.id)), view.id)

        await self.desk.transaction(work)
        return [texts.person_notice(self.desk.content, lang, "handoff.cancelled")]

    async def relay_from_person(self, person: Person, update_id: int | None,
                                message: Relayed) -> bool:
        """Pass a message on to the person's open request; False when they have none (or have
        not agreed yet), so the bot answers it."""

        def work(session: Session) -> bool:
            view = tickets.active_ticket(session, person.key)
            thread = tickets.thread_of(session, view.id) if view else None
            if view is None or thread is None or thread.consented_at is None:
                return False
            if not take_in(session, update_id):
                return True  # passed on before a restart
            tickets.add_message(session, view.id, "user", message.stored, self.desk.clock())
            if message.kind == "text":
                self.desk.to_group(session, texts.from_person(view.id, message.text), view.id,
                                   purpose="relay")
            else:
                self.desk.copy(session, self.desk.group, message, f"👤 #{view.id}",
                               self.desk.cw("caseworker.repeated"), view.id)
            if thread.relayed == 0 and view.chat_id is not None:
                self.desk.to_person(session, view.chat_id, view.lang, texts.person_notice(
                    self.desk.content, view.lang, "handoff.added", ticket=view.id), view.id)
            thread.relayed += 1
            return True

        return await self.desk.transaction(work)

    async def end(self, person: Person, lang: str, update_id: int | None) -> None:
        """/end: the person closes their request; the team is told (all through the outbox)."""
        assert person.address is not None
        address = person.address

        def work(session: Session) -> None:
            if not take_in(session, update_id):
                return
            view = tickets.active_ticket(session, person.key)
            if view is None:
                self.desk.to_person(session, address, lang,
                                    texts.person_notice(self.desk.content, lang, "handoff.none"))
                return
            tickets.close(session, view.id, self.desk.clock())
            self.desk.to_group(session, Reply(text=self.desk.cw("caseworker.ended",
                                                                 ticket=view.id)), view.id)
            self.desk.to_person(session, address, lang, texts.person_notice(
                self.desk.content, lang, "handoff.ended", ticket=view.id))

        await self.desk.transaction(work)

    async def _rate(self, person: Person, lang: str, value: str) -> list[Reply]:
        vote, _, number = value.partition(":")

        def own(session: Session) -> bool:
            view = tickets.ticket(session, int(number)) if number.isdigit() else None
            return view is not None and view.user_key == person.key and view.status == "closed"

        if await self.desk.transaction(own):
            await asyncio.to_thread(rate, self.desk.db, int(number), UP if vote == "up" else DOWN)
        return [screens.feedback_thanks(self.desk.content, lang, up=vote == "up")]

    async def forget(self, person: Person) -> None:
        """Before /forget: delete what the bot posted in the group (a topic whole), and tell
        the team a request they may be working on is gone."""

        def work(session: Session) -> None:
            for view, thread in tickets.tickets_of(session, person.key):
                if thread is None:
                    continue
                if thread.thread_id is not None:
                    self.desk.to_group_raw(session, "delete_topic", {}, thread.thread_id)
                else:
                    for message_id in tickets.group_messages(session, view.id, self.desk.group):
                        self.desk.to_group_raw(session, "delete", {"message_id": message_id})
                if view.status in ("open", "claimed"):
                    self.desk.to_group(session, Reply(text=self.desk.cw("caseworker.forgotten",
                                                                         ticket=view.id)))

        self.recent.forget(person.key)
        await self.desk.transaction(work)

    async def _usual_wait(self, lang: str) -> str:
        measured = await asyncio.to_thread(tickets.usual_wait_minutes, self.desk.db)
        minutes = measured or self.desk.config.expected_wait_minutes
        return self.desk.say(lang, "handoff.wait.minutes", minutes=minutes)

    def _hours_notice(self, lang: str, city: str, numbers: bool = True) -> list[Reply]:
        """Out of office hours: when a person answers, and the emergency numbers."""
        pack = self.desk.content.city(city).city
        now = self.desk.clock()
        if is_open(pack.office_hours, pack.timezone, now):
            return []
        when = when_text(self.desk.content, lang,
                         next_opening(pack.office_hours, pack.timezone, now), now)
        text = self.desk.say(lang, "handoff.out_of_hours", when=when)
        if numbers:
            text += "\n\n" + texts.emergency_lines(self.desk.content, lang, city)
        return [Reply(text=text, urgent=True)]
