"""Unsure answers offer choices, safety wins close calls, and a Rasa outage degrades gracefully
and heals by itself."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import PROJECT
from bot.pipeline import Incoming, Pipeline
from guides.store import ContentStore
from nlu.cache import ParseCache
from nlu.client import RasaClient
from nlu.parse import IntentScore, Parse
from nlu.server import LocalRasaServer

pytestmark = pytest.mark.rasa


class FixedNLU(RasaClient):
    """An NLU whose answer the test chooses, to test the pipeline's decisions exactly."""

    def __init__(self, scores: dict[str, float]) -> None:
        super().__init__("http://127.0.0.1:9", None)
        self.scores = scores

    async def parse(self, text: str) -> Parse:
        return Parse.from_ranking([IntentScore(k, v) for k, v in self.scores.items()])


async def test_unsure_answer_offers_topics_and_a_person(content_store: ContentStore) -> None:
    nlu = FixedNLU({"services.housing__renting": 0.30, "services.money__social_benefits": 0.28,
                    "rights.work__minimum_wage": 0.22, "greet": 0.20})
    outcome = await Pipeline(content_store, nlu).handle(Incoming("ich brauche hilfe mit geld",
                                                                 lang="de"))
    assert outcome.status == "clarify"
    actions = [b.action for row in outcome.replies[-1].buttons for b in row]
    assert actions[:2] == ["topic:services.housing", "topic:services.money"]
    assert "human" in actions
    labels = [b.label for row in outcome.replies[-1].buttons for b in row]
    assert content_store.current.text("de", "topic.services.housing") in labels
    assert outcome.replies[-1].text == content_store.current.text("de", "clarify.text")


async def test_safety_route_wins_a_close_call_and_shows_numbers_first(
        content_store: ContentStore) -> None:
    nlu = FixedNLU({"services.housing__emergency_shelter": 0.5,
                    "services.gbv__domestic_violence": 0.35, "greet": 0.15})
    outcome = await Pipeline(content_store, nlu).handle(Incoming("he threw me out", lang="en"))
    assert outcome.route == "services.gbv"
    assert outcome.replies[0].urgent
    assert "110" in outcome.replies[0].text and "112" in outcome.replies[0].text
    assert any(b.action.startswith("human") for row in outcome.replies[0].buttons for b in row)


async def test_real_distress_message_is_routed_to_safety(rasa_server: LocalRasaServer,
                                                         content_store: ContentStore) -> None:
    client = RasaClient(rasa_server.url, rasa_server.secret)
    pipeline = Pipeline(content_store, client)
    for text, route in [("my husband hits me and i am scared", "services.gbv"),
                        ("زوجي يضربني كل يوم", "services.gbv"),
                        ("there is a fire in our building", "emergency")]:
        outcome = await pipeline.handle(Incoming(text))
        assert outcome.route == route, text
    await client.aclose()


async def test_rasa_stopped_then_restarted(tmp_path: Path, content_store: ContentStore) -> None:
    from nlu.training import latest_model

    model = latest_model(PROJECT / "models")
    assert model is not None
    server = LocalRasaServer(PROJECT / ".venv-rasa" / "bin" / "rasa", model,
                             log_file=tmp_path / "rasa.log").start()
    client = RasaClient(server.url, server.secret, timeout=2.0)
    pipeline = Pipeline(content_store, client, retry_after=0.5)
    try:
        up = await pipeline.handle(Incoming("how do I buy a bus ticket"))
        assert (up.route, up.status) == ("transport.tickets", "answered")

        server.stop()
        down = await pipeline.handle(Incoming("how do I buy a bus ticket"))
        assert down.status in ("degraded", "clarify")
        assert down.route == "transport.tickets"
        notice = content_store.current.text("en", "notice.degraded")
        assert down.replies[0].text == notice

        await asyncio.to_thread(server.start)
        await asyncio.sleep(0.6)
        healed = await pipeline.handle(Incoming("how do I buy a bus ticket"))
        assert (healed.route, healed.status) == ("transport.tickets", "answered")
        assert notice not in healed.reply_text()
    finally:
        await client.aclose()
        server.stop()


async def test_a_repeated_question_reuses_its_parse_until_rasa_goes_away(
        rasa_server: LocalRasaServer, content_store: ContentStore) -> None:
    client = RasaClient(rasa_server.url, rasa_server.secret)
    gone = RasaClient("http://127.0.0.1:9", None, timeout=1.0)  # nothing listens there
    cache = ParseCache(16)
    pipeline = Pipeline(content_store, client, retry_after=0.01, cache=cache)
    try:
        first = await pipeline.handle(Incoming("how do I buy a bus ticket"))
        assert (first.route, first.status, cache.misses) == ("transport.tickets", "answered", 1)

        pipeline.nlu = gone  # Rasa went away: a parse it gave is still good for a while
        again = await pipeline.handle(Incoming("how do I buy a bus ticket"))
        assert again == first and cache.hits == 1

        other = await pipeline.handle(Incoming("where do I find a doctor"))
        assert other.status in ("degraded", "clarify")  # a new text needs Rasa
        await asyncio.sleep(0.05)  # past retry_after: Rasa is tried again
        after = await pipeline.handle(Incoming("how do I buy a bus ticket"))
        assert after.status in ("degraded", "clarify")  # forgotten: Rasa may come back changed
        assert len(cache) == 0
    finally:
        await client.aclose()
        await gone.aclose()
