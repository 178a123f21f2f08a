"""The one message pipeline behind every channel: text in, understood, answered.

Telegram, the console and `python -m bot ask` all call `Pipeline.handle`; none of them knows
about Rasa, content files or routing rules.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

from actions import ActionContext, Button, Outcome, Reply, resolve
from bot.metrics import METRICS
from bot.text import for_nlu
from guides.content import Content
from guides.store import ContentStore
from nlu.cache import ParseCache
from nlu.client import NLUUnavailable, RasaClient
from nlu.entities import EntityRules
from nlu.language import detect_language
from nlu.parse import Entity, Parse
from nlu.router import Decision, Thresholds, decide
from nlu.search import PhraseSearch

logger = logging.getLogger(__name__)
RETRY_RASA_AFTER = 5.0  # seconds in degraded mode before Rasa is tried again
DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Incoming:
    """A message as the pipeline sees it: text plus what we know of the person's preferences."""

    text: str
    lang: str | None = None  # the person's chosen language, if any
    city: str | None = None
    detect: bool = True  # answer in the message's language when it is clearly one of the nine


class Pipeline:
    """Understands a message (Rasa, or phrase search when Rasa is down) and runs its action."""

    def __init__(self, content: ContentStore, nlu: RasaClient | None,
                 default_lang: str = "en", thresholds: Thresholds = DEFAULT_THRESHOLDS,
                 retry_after: float = RETRY_RASA_AFTER, cache: ParseCache | None = None) -> None:
        self.content = content
        self.retry_after = retry_after
        self.nlu = nlu
        self.cache = cache  # Rasa's recent parses (None: every message goes to Rasa)
        self.default_lang = default_lang
        self.thresholds = thresholds
        self._search: tuple[str, PhraseSearch] | None = None
        self._entities: tuple[str, EntityRules] | None = None
        self._rasa_down_until = 0.0

    @property
    def degraded(self) -> bool:
        return self.nlu is None or time.monotonic() < self._rasa_down_until

    def search(self, content: Content) -> PhraseSearch:
        """The phrase index of the current content, rebuilt when content is reloaded."""
        if self._search is None or self._search[0] != content.fingerprint:
            self._search = (content.fingerprint, PhraseSearch.build(content))
        return self._search[1]

    def entity_rules(self, content: Content) -> EntityRules:
        """spaCy phrase rules for districts, services, documents, course languages."""
        if self._entities is None or self._entities[0] != content.fingerprint:
            self._entities = (content.fingerprint, EntityRules.build(content))
        return self._entities[1]

    async def understand(self, text: str, content: Content) -> Parse:
        """Rasa's parse (remembered for a while: the same text is parsed once); the phrase
        search when Rasa is unreachable (retried every few seconds)."""
        parse: Parse | None = None
        if self.nlu is not None and time.monotonic() >= self._rasa_down_until:
            parse = self.cache.get(text) if self.cache is not None else None
            if parse is not None:
                METRICS.nlu_cache_hits.inc()
                return parse
            try:
                with METRICS.time_nlu():
                    parse = await self.nlu.parse(text)
            except NLUUnavailable as error:
                logger.warning("NLU unavailable, answering in degraded mode: %s", error)
                self._rasa_down_until = time.monotonic() + self.retry_after
                if self.cache is not None:
                    self.cache.clear()  # it may come back with another model
            else:
                if self.cache is not None:
                    self.cache.put(text, parse)
        if parse is None:
            METRICS.nlu_fallback.inc()
            parse = self.search(content).parse(text)
        return parse

    def language_for(self, incoming: Incoming, text: str, content: Content) -> str:
        chosen = incoming.lang if incoming.lang in content.ui else None
        detected = detect_language(text, chosen) if incoming.detect else None
        return detected or chosen or self.default_lang

    async def handle(self, incoming: Incoming) -> Outcome:
        """Answer one free-text message."""
        outcome = await self._handle(incoming)
        METRICS.count_outcome(outcome)
        return outcome

    async def _handle(self, incoming: Incoming) -> Outcome:
        content = self.content.current
        text = for_nlu(incoming.text)
        entities = self.entity_rules(content).extract(text)
        lang = self.language_for(incoming, _without(text, entities), content)
        city = content.city(incoming.city).city.id
        if not text:
            ctx = ActionContext(content, lang, city, "out_of_scope")
            return Outcome("out_of_scope", None, 0.0, lang,
                           (Reply(text=ctx.t("notice.empty")),), status="blocked")
        parse = dataclasses.replace(await self.understand(text, content), entities=entities)
        degraded = parse.source == "search"
        decision = decide(parse, self.thresholds)
        if decision.clarify:
            return self._clarify(content, lang, city, decision, degraded)
        return self.run(content, lang, city, decision.route, decision.entry, decision.confidence,
                        parse=parse, degraded=degraded)

    def run(self, content: Content, lang: str, city: str, route: str, entry: str | None,
            confidence: float, parse: Parse | None = None, degraded: bool = False) -> Outcome:
        """Run the action of `route` and wrap its replies."""
        is_topic = route in content.taxonomy.topics
        if not (is_topic or route in content.taxonomy.actions):
            route = "out_of_scope"
        ctx = ActionContext(content, lang, city, route, entry, parse, degraded)
        replies = resolve(route, is_topic)(ctx)
        shown_entry = entry if is_topic else None
        if is_topic and (shown_entry is None or shown_entry not in ctx.city.entries):
            entries = ctx.city.entries_for(route)
            shown_entry = entries[0].id if entries else None
        return Outcome(route, shown_entry, round(confidence, 4), lang, tuple(replies),
                       status="degraded" if degraded else "answered")

    def _clarify(self, content: Content, lang: str, city: str, decision: Decision,
                 degraded: bool) -> Outcome:
        """Not sure: offer the likely topics as buttons, plus a person. Never guess silently."""
        ctx = ActionContext(content, lang, city, decision.route, degraded=degraded)
        rows: tuple[tuple[Button, ...], ...] = tuple(
            (Button(ctx.t(f"topic.{topic}"), f"topic:{topic}"),) for topic in decision.candidates)
        rows += ((Button(ctx.t("button.human"), "human"), Button(ctx.t("button.menu"), "menu")),)
        replies = [Reply(text=ctx.t("notice.degraded"))] if degraded else []
        key = "clarify.text" if decision.candidates else "out_of_scope.text"
        replies.append(Reply(text=ctx.t(key), buttons=rows))
        return Outcome(decision.route, decision.entry, round(decision.confidence, 4), lang,
                       tuple(replies), status="clarify")

    def open_entry(self, lang: str, city: str | None, entry_id: str) -> Outcome:
        """A button asked for one entry."""
        content = self.content.current
        pack = content.city(city)
        entry = pack.entries.get(entry_id)
        if entry is None:
            return self.run(content, lang, pack.city.id, "out_of_scope", None, 1.0)
        return self.run(content, lang, pack.city.id, entry.topic, entry.id, 1.0)


def _without(text: str, entities: tuple[Entity, ...]) -> str:
    """The text minus names and German office words, which say nothing of its language."""
    for entity in sorted(entities, key=lambda e: e.start, reverse=True):
        text = text[:entity.start] + " " + text[entity.end:]
    return text
