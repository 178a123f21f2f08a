"""What a person can do in any chat channel: onboarding, free text, menus, buttons, privacy.

Channels (console, Telegram) translate their input into these calls and render the replies;
the understanding itself is the shared `Pipeline`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from actions import ActionContext, Button, Outcome, Reply
from bot.pipeline import Incoming, Pipeline
from guides.models import LANGUAGES
from storage import Database
from storage.users import (
    UserSettings,
    count_message,
    forget_user,
    get_settings,
    record_feedback,
    save_settings,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Person:
    """Who is writing, as far as a channel knows: a pseudonymous key and a language hint."""

    key: str
    lang_hint: str | None = None


class Conversations:
    def __init__(self, pipeline: Pipeline, db: Database) -> None:
        self.pipeline = pipeline
        self.db = db

    async def settings(self, person: Person) -> UserSettings:
        return await asyncio.to_thread(get_settings, self.db, person.key)

    def _lang(self, settings: UserSettings, person: Person) -> str:
        content = self.pipeline.content.current
        for lang in (settings.lang, person.lang_hint):
            if lang and lang[:2] in content.ui:
                return lang[:2]
        return self.pipeline.default_lang

    def _ctx(self, lang: str, city: str | None) -> ActionContext:
        content = self.pipeline.content.current
        return ActionContext(content, lang, content.city(city).city.id, "menu")

    async def start(self, person: Person, payload: str | None = None) -> list[Reply]:
        """First contact: pick a language (and city); a deep link like `uk_berlin` presets both."""
        content = self.pipeline.content.current
        if payload:
            lang, _, city = payload.partition("_")
            if lang in LANGUAGES and (not city or city in content.cities):
                await asyncio.to_thread(save_settings, self.db, person.key, lang,
                                        city or content.city(None).city.id)
                return self.welcome(lang, city or None)
        settings = await self.settings(person)
        return [self.language_picker(self._lang(settings, person), person.lang_hint)]

    def language_picker(self, lang: str, hint: str | None) -> Reply:
        content = self.pipeline.content.current
        order = sorted(LANGUAGES, key=lambda code: code != (hint or "")[:2])
        buttons = [Button(content.text(code, "language.native_name"), f"lang:{code}")
                   for code in order]
        rows = tuple(tuple(buttons[i:i + 3]) for i in range(0, len(buttons), 3))
        return Reply(text=content.text(lang, "language.choose"), buttons=rows)

    def city_picker(self, lang: str) -> Reply:
        content = self.pipeline.content.current
        rows = tuple((Button(pack.city.name.get(lang, pack.city.name["en"]), f"city:{cid}"),)
                     for cid, pack in content.cities.items())
        return Reply(text=content.text(lang, "city.choose"), buttons=rows)

    def welcome(self, lang: str, city: str | None) -> list[Reply]:
        ctx = self._ctx(lang, city)
        city_name = ctx.city.city.name.get(lang, ctx.city.city.name["en"])
        text = "\n\n".join([ctx.t("onboarding.welcome", city=city_name),
                            ctx.t("onboarding.privacy"), ctx.t("onboarding.ask")])
        return [Reply(text=text, buttons=((Button(ctx.t("button.menu"), "menu"),),))]

    async def text(self, person: Person, text: str) -> Outcome:
        """Free text through the pipeline, in the person's language and city."""
        settings = await self.settings(person)
        outcome = await self.pipeline.handle(
            Incoming(text=text, lang=self._lang(settings, person), city=settings.city))
        await self._count(outcome, settings)
        return outcome

    async def _count(self, outcome: Outcome, settings: UserSettings) -> None:
        city = self.pipeline.content.current.city(settings.city).city.id
        try:
            await asyncio.to_thread(count_message, self.db, outcome.route, outcome.lang, city,
                                    outcome.status)
        except Exception:  # analytics must never cost an answer
            logger.warning("Could not record the anonymous count", exc_info=True)

    async def press(self, person: Person, action: str) -> list[Reply]:
        """A button was chosen (or a numbered choice typed in the console)."""
        settings = await self.settings(person)
        lang = self._lang(settings, person)
        content = self.pipeline.content.current
        kind, _, value = action.partition(":")
        if kind == "lang" and value in LANGUAGES:
            await asyncio.to_thread(save_settings, self.db, person.key, value)
            if len(content.cities) > 1 and not settings.city:
                return [self.city_picker(value)]
            city = settings.city or content.city(None).city.id
            await asyncio.to_thread(save_settings, self.db, person.key, None, city)
            return self.welcome(value, city)
        if kind == "city" and value in content.cities:
            await asyncio.to_thread(save_settings, self.db, person.key, None, value)
            return self.welcome(lang, value)
        if kind == "menu":
            return [self.menu(lang, settings.city)]
        if kind == "topic":
            return [self.topic_menu(lang, settings.city, value)]
        if kind == "entry":
            outcome = self.pipeline.open_entry(lang, settings.city, value)
            return list(outcome.replies)
        if kind == "fb":
            vote, _, entry_id = value.partition(":")
            city = content.city(settings.city).city.id
            await asyncio.to_thread(record_feedback, self.db, person.key, entry_id, lang, city,
                                    1 if vote == "up" else -1)
            key = "feedback.thanks" if vote == "up" else "feedback.sorry"
            return [Reply(text=content.text(lang, key))]
        if kind == "human":
            return self.pipeline.run(content, lang, content.city(settings.city).city.id,
                                     "handoff", None, 1.0).replies
        return [self.menu(lang, settings.city)]

    def menu(self, lang: str, city: str | None) -> Reply:
        ctx = self._ctx(lang, city)
        topics = ctx.city.topics()
        buttons = [Button(ctx.t(f"topic.{topic}"), f"topic:{topic}") for topic in topics]
        rows = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
        return Reply(text=ctx.t("menu.title"),
                     buttons=(*rows, (Button(ctx.t("button.human"), "human"),)))

    def topic_menu(self, lang: str, city: str | None, topic: str) -> Reply:
        ctx = self._ctx(lang, city)
        entries = ctx.city.entries_for(topic)
        rows = tuple((Button(entry.title.get(lang, entry.title["en"]), f"entry:{entry.id}"),)
                     for entry in entries)
        return Reply(text=ctx.t("menu.topic", topic=ctx.t(f"topic.{topic}")),
                     buttons=(*rows, (Button(ctx.t("button.back"), "menu"),)))

    async def forget(self, person: Person) -> str:
        settings = await self.settings(person)
        lang = self._lang(settings, person)
        await asyncio.to_thread(forget_user, self.db, person.key)
        return self.pipeline.content.current.text(lang, "forget.done")
