"""What a person can do in any chat channel: onboarding, free text, menus, buttons, privacy.

Channels (console, Telegram) translate their input into these calls and render the replies;
the understanding itself is the shared `Pipeline`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from actions import ActionContext, Outcome, Reply
from actions.nearby import Point, ask_location, find_district, services_near
from bot import screens
from bot.counts import MessageCounts
from bot.pipeline import Incoming, Pipeline
from bot.text import clean_text
from guides.models import LANGUAGES
from storage import Database
from storage.users import (
    UserSettings,
    forget_user,
    get_settings,
    record_feedback,
    record_unanswered,
    save_settings,
)

if TYPE_CHECKING:
    from bot.handoff.hooks import HandoffHooks

logger = logging.getLogger(__name__)
LOCATION_WAIT_SECONDS = 15 * 60  # how long "services near me" waits for a location
MAX_WAITING = 10_000  # people waiting for a location remembered at once (in memory)


@dataclass(frozen=True)
class Person:
    """Who is writing, as far as a channel knows: a pseudonymous key and a language hint."""

    key: str
    lang_hint: str | None = None
    # Where the channel writes back (a Telegram chat id): stored only in an open ticket.
    address: int | None = None


class Conversations:
    """Everything a person can do, whatever the channel: each call returns the replies to show."""

    def __init__(self, pipeline: Pipeline, db: Database, retention_days: int = 30) -> None:
        self.pipeline = pipeline
        self.db = db
        self.retention_days = retention_days
        # person key -> (topic or None, deadline): who pressed "services near me" and for what
        self._awaiting_location: OrderedDict[str, tuple[str | None, float]] = OrderedDict()
        self.handoff: HandoffHooks | None = None  # caseworkers, where the channel has them
        self.counts = MessageCounts(db)  # anonymous, written every few seconds

    async def settings(self, person: Person) -> UserSettings:
        return await asyncio.to_thread(get_settings, self.db, person.key)

    def _lang(self, settings: UserSettings, person: Person) -> str:
        content = self.pipeline.content.current
        for lang in (settings.lang, person.lang_hint):
            if lang and lang[:2] in content.ui:
                return lang[:2]
        return self.pipeline.default_lang

    async def lang_of(self, person: Person) -> str:
        """The person's language; their Telegram language when the database cannot say."""
        try:
            return self._lang(await self.settings(person), person)
        except Exception:  # used on error paths: never fail there
            return self._lang(UserSettings(person.key, None, None, known=False), person)

    def _ctx(self, lang: str, city: str | None) -> ActionContext:
        content = self.pipeline.content.current
        return ActionContext(content, lang, content.city(city).city.id, "menu")

    async def start(self, person: Person, payload: str | None = None) -> list[Reply]:
        """First contact: pick a language (and city); a deep link like `uk_berlin` (or `uk`, or
        `berlin`) presets them, for posters and QR codes."""
        content = self.pipeline.content.current
        lang, city = self._deep_link(payload or "")
        if lang is not None:
            several = len(content.cities) > 1
            city = city or (None if several else content.city(None).city.id)
            await asyncio.to_thread(save_settings, self.db, person.key, lang, city)
            return [self.city_picker(lang)] if city is None else self.welcome(lang, city)
        if city is not None:
            await asyncio.to_thread(save_settings, self.db, person.key, None, city)
        settings = await self.settings(person)
        return [self.language_picker(self._lang(settings, person), person.lang_hint)]

    def _deep_link(self, payload: str) -> tuple[str | None, str | None]:
        """`uk_berlin` -> ("uk", "berlin"); unknown parts are None."""
        cities = self.pipeline.content.current.cities
        payload = payload.strip().lower()
        if payload in cities:
            return None, payload
        lang, _, city = payload.partition("_")
        return (lang if lang in LANGUAGES else None), (city if city in cities else None)

    def language_picker(self, lang: str, hint: str | None, edit: bool = False) -> Reply:
        return screens.language_picker(self.pipeline.content.current, lang, hint, edit)

    def city_picker(self, lang: str, edit: bool = False) -> Reply:
        return screens.city_picker(self.pipeline.content.current, lang, edit)

    def welcome(self, lang: str, city: str | None, edit: bool = False) -> list[Reply]:
        return [screens.welcome(self.pipeline.content.current, lang, city, edit)]

    async def choose_language(self, person: Person) -> list[Reply]:
        """/language: every language by its own name."""
        return [self.language_picker(await self.lang_of(person), person.lang_hint)]

    async def choose_city(self, person: Person) -> list[Reply]:
        """/city: the cities the content knows."""
        return [self.city_picker(await self.lang_of(person))]

    async def text(self, person: Person, text: str) -> Outcome:
        """Free text through the pipeline, in the person's language and city."""
        settings = await self.settings(person)
        if (place := self._typed_place(person, settings, text)) is not None:
            return place
        outcome = await self.pipeline.handle(
            Incoming(text=text, lang=self._lang(settings, person), city=settings.city))
        await self._count(outcome, settings)
        await self._note_unanswered(text, outcome, settings)
        if self.handoff is not None:
            outcome = await self.handoff.after_answer(person, text, outcome, settings.city)
        return outcome

    def _typed_place(self, person: Person, settings: UserSettings, text: str) -> Outcome | None:
        """A district typed after "services near me", or on its own, counts as a location."""
        topic = self._take_waiting(person.key)
        district = find_district(self.pipeline.content.current.city(settings.city),
                                 clean_text(text))
        if district is None:
            return None
        lang = self._lang(settings, person)
        here = Point(district.location.lat, district.location.lon)
        replies = self._near(lang, settings.city, here, topic or None, district.name)
        return Outcome("near", None, 1.0, lang, tuple(replies))

    async def location(self, person: Person, lat: float, lon: float) -> list[Reply]:
        """A shared location: the nearest services for what the person asked about."""
        settings = await self.settings(person)
        topic = self._take_waiting(person.key)
        return self._near(self._lang(settings, person), settings.city, Point(lat, lon),
                          topic or None)

    def _near(self, lang: str, city: str | None, here: Point, topic: str | None,
              place: str | None = None) -> list[Reply]:
        content = self.pipeline.content.current
        if topic not in content.taxonomy.topics:
            topic = None
        return services_near(self._ctx(lang, city), here, topic, place)

    def _wait_for_location(self, key: str, topic: str) -> None:
        self._awaiting_location[key] = (topic, time.monotonic() + LOCATION_WAIT_SECONDS)
        self._awaiting_location.move_to_end(key)
        while len(self._awaiting_location) > MAX_WAITING:
            self._awaiting_location.popitem(last=False)

    def _take_waiting(self, key: str) -> str | None:
        """The topic this person asked services for ("" = any), if they still wait; once."""
        topic, deadline = self._awaiting_location.pop(key, (None, 0.0))
        return topic if time.monotonic() < deadline else None

    async def _count(self, outcome: Outcome, settings: UserSettings) -> None:
        city = self.pipeline.content.current.city(settings.city).city.id
        try:
            await self.counts.add(outcome.route, outcome.lang, city, outcome.status)
        except Exception:  # analytics must never cost an answer
            logger.warning("Could not record the anonymous count", exc_info=True)

    async def close(self) -> None:
        """Write what is still only in memory (the anonymous counts); for a channel that
        stops."""
        try:
            await self.counts.flush()
        except Exception:
            logger.warning("Could not record %d anonymous counts", self.counts.pending,
                           exc_info=True)

    # --- Analytics for editors (storage owner): questions the bot could not answer, kept
    # scrubbed of numbers, e-mails and names, with no link to the person, expiring like tickets.
    async def _note_unanswered(self, text: str, outcome: Outcome,
                               settings: UserSettings) -> None:
        if outcome.status != "clarify" and outcome.route != "out_of_scope":
            return
        content = self.pipeline.content.current
        city = content.city(settings.city).city.id

        def record() -> None:  # off the event loop: the word index takes a second to build
            guide_words = self.pipeline.search(content).postings  # kept even when capitalised
            record_unanswered(self.db, text, outcome.lang, city, outcome.route, guide_words)

        try:
            await asyncio.to_thread(record)
        except Exception:  # analytics must never cost an answer
            logger.warning("Could not record the unanswered question", exc_info=True)

    async def press(self, person: Person, action: str) -> list[Reply]:
        """A button was chosen (or a numbered choice typed in the console)."""
        settings = await self.settings(person)
        lang = self._lang(settings, person)
        content = self.pipeline.content.current
        kind, _, value = action.partition(":")
        if self.handoff is not None and kind in self.handoff.actions and (
                handed := await self.handoff.press(person, action, lang, settings.city)):
            return handed
        if kind == "lang" and value in LANGUAGES:
            return await self._set_language(person, settings, value)
        if kind == "city" and value in content.cities:
            await asyncio.to_thread(save_settings, self.db, person.key, None, value)
            if settings.city is None:  # still onboarding
                return self.welcome(lang, value, edit=True)
            name = screens.city_name(content, lang, value)
            return [screens.confirmation(content, lang, "city.changed", city=name)]
        if kind == "menu":
            return [self.menu(lang, settings.city, edit=value == "back")]
        if kind == "topic" and value in content.taxonomy.topics:
            return [self.topic_menu(lang, settings.city, value)]
        if kind == "near":
            self._wait_for_location(person.key, value)
            return [ask_location(self._ctx(lang, settings.city))]
        if kind == "forget":
            if value == "yes":
                return [Reply(text=await self.forget(person), edit=True)]
            return [Reply(text=content.text(lang, "forget.cancelled"), edit=True)]
        if kind == "entry":
            outcome = self.pipeline.open_entry(lang, settings.city, value)
            return list(outcome.replies)
        if kind == "fb":
            vote, _, entry_id = value.partition(":")
            city = content.city(settings.city).city.id
            await asyncio.to_thread(record_feedback, self.db, person.key, entry_id, lang, city,
                                    1 if vote == "up" else -1)
            return [screens.feedback_thanks(content, lang, up=vote == "up")]
        if kind == "human":
            return list(self.pipeline.run(content, lang, content.city(settings.city).city.id,
                                          "handoff", None, 1.0).replies)
        return [self.menu(lang, settings.city)]

    async def _set_language(self, person: Person, settings: UserSettings,
                            lang: str) -> list[Reply]:
        """Save the language; during onboarding go on to the city (if several) or the welcome."""
        content = self.pipeline.content.current
        await asyncio.to_thread(save_settings, self.db, person.key, lang)
        if settings.lang is not None and settings.city is not None:
            return [screens.confirmation(content, lang, "language.changed")]
        if settings.city is None and len(content.cities) > 1:
            return [self.city_picker(lang, edit=True)]
        city = settings.city or content.city(None).city.id
        await asyncio.to_thread(save_settings, self.db, person.key, None, city)
        return self.welcome(lang, city, edit=True)

    def menu(self, lang: str, city: str | None, edit: bool = False) -> Reply:
        return screens.menu(self.pipeline.content.current, lang, city, edit)

    def topic_menu(self, lang: str, city: str | None, topic: str) -> Reply:
        return screens.topic_menu(self.pipeline.content.current, lang, city, topic)

    async def help(self, person: Person) -> list[Reply]:
        """/help: how to ask, and the commands."""
        lang = await self.lang_of(person)
        return [Reply(text=self.pipeline.content.current.text(lang, "help.text"))]

    async def privacy(self, person: Person) -> list[Reply]:
        """/privacy: what the bot keeps, for how long, and who sees it."""
        lang = await self.lang_of(person)
        return [Reply(text=self.pipeline.content.current.text(lang, "privacy.text",
                                                               days=self.retention_days))]

    async def forget_confirm(self, person: Person) -> list[Reply]:
        """/forget: ask before erasing anything."""
        lang = await self.lang_of(person)
        return [screens.forget_confirmation(self.pipeline.content.current, lang)]

    async def unsupported(self, person: Person) -> list[Reply]:
        """Voice, photos, stickers, files: say what the bot understands and offer a person."""
        lang = await self.lang_of(person)
        return [screens.unsupported(self.pipeline.content.current, lang)]

    async def slow_down(self, person: Person) -> list[Reply]:
        """Over the rate limit: this message was skipped; wait a little and send it again."""
        lang = await self.lang_of(person)
        return [Reply(text=self.pipeline.content.current.text(lang, "notice.rate_limited"))]

    async def error_notice(self, person: Person, storage_down: bool = False) -> list[Reply]:
        """Something failed on our side: a friendly message in the person's language."""
        lang = await self.lang_of(person)
        key = "notice.database_down" if storage_down else "notice.error"
        return [Reply(text=self.pipeline.content.current.text(lang, key))]

    async def forget(self, person: Person) -> str:
        """Erase everything about the person; returns the confirmation in their language."""
        settings = await self.settings(person)
        lang = self._lang(settings, person)
        if self.handoff is not None:
            await self.handoff.forget(person)
        await asyncio.to_thread(forget_user, self.db, person.key)
        self._awaiting_location.pop(person.key, None)
        return self.pipeline.content.current.text(lang, "forget.done")
