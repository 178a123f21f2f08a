"""Rasa killed (SIGKILL) while several people write: every message still gets an answer, in
degraded mode (the phrase search, saying so), nothing crashes and nothing is lost; once Rasa is
back the answers come from it again, without anyone restarting the bot."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from bot.pipeline import Incoming, Pipeline
from bot.telegram.render import to_html
from guides.store import ContentStore
from nlu.client import RasaClient
from nlu.server import LocalRasaServer
from tests.e2e.chat import onboarded
from tests.emulator.harness import Emulator
from tests.faults.bots import answers, own_bot

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]
QUESTIONS = ["How do I buy a bus ticket?", "Where can I find a flat?",
             "How do I register my address?"]
LATER = "Where can I learn German?"


def kill(server: LocalRasaServer) -> None:
    """SIGKILL to Rasa and its children, as the out-of-memory killer would do it."""
    assert server.pid is not None
    os.killpg(server.pid, signal.SIGKILL)
    server.stop()  # reaps it


async def test_rasa_killed_under_traffic_degrades_then_heals_by_itself(
        emulator: Emulator, rasa_server: LocalRasaServer, content_store: ContentStore,
        tmp_path: Path) -> None:
    search = Pipeline(content_store, None)  # what degraded mode answers
    degraded = {q: to_html((await search.handle(Incoming(q, lang="en"))).replies[-1])
                for q in QUESTIONS}
    client = RasaClient(rasa_server.url, rasa_server.secret, timeout=15.0)
    try:
        async with own_bot(emulator, rasa_server, tmp_path, content=content_store,
                           nlu=client) as bot:
            notice = bot.text("en", "notice.degraded")
            people = [bot.person(lang) for lang in ("en", "uk", "de", "ar")]
            for person, lang in zip(people, ("en", "uk", "de", "ar"), strict=True):
                await onboarded(person, lang)

            await asyncio.gather(*(person.send_text(QUESTIONS[0]) for person in people))
            kill(rasa_server)  # while those are being answered
            killed = time.monotonic()
            for question in QUESTIONS[1:]:
                await asyncio.gather(*(person.send_text(question) for person in people))
            for person in people:
                got = await answers(person, len(QUESTIONS))
                first = next(n for n, message in enumerate(got) if message["reply_markup"])
                # The first question was answered by Rasa or, if the kill came first, by the
                # phrase search; the others by the phrase search, each after the notice.
                assert [m["text"] for m in got[first + 1:]] == [
                    notice, degraded[QUESTIONS[1]], notice, degraded[QUESTIONS[2]]]
            print(f"\nRasa killed: {len(people) * len(QUESTIONS)} of "
                  f"{len(people) * len(QUESTIONS)} messages answered, the last "
                  f"{time.monotonic() - killed:.1f} s after the kill")

            began = time.monotonic()
            await asyncio.to_thread(rasa_server.start)
            print(f"Rasa restarted in {time.monotonic() - began:.0f} s")
            for person in people:
                await person.send_text(LATER)
            for person in people:
                [healed] = await answers(person, 1)  # one message: no notice any more
                assert healed["reply_markup"] and healed["plain_text"] != notice
            assert not bot.pipeline.degraded
    finally:
        await client.aclose()
        if rasa_server.pid is None:  # the session's other tests need it
            await asyncio.to_thread(rasa_server.start)
