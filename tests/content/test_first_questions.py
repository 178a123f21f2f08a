"""Each entry's own first question, in each language, brings back that entry in that language."""

from __future__ import annotations

import pytest

from bot.pipeline import Incoming, Pipeline
from guides.models import LANGUAGES
from guides.store import ContentStore
from nlu.client import RasaClient
from nlu.server import LocalRasaServer

pytestmark = pytest.mark.rasa


async def test_first_question_of_every_entry_in_every_language(
        rasa_server: LocalRasaServer, content_store: ContentStore) -> None:
    client = RasaClient(rasa_server.url, rasa_server.secret)
    pipeline = Pipeline(content_store, client)
    misses = []
    checked = 0
    for entry in content_store.current.city("berlin").entries.values():
        for lang in LANGUAGES:
            question = entry.questions[lang][0]
            outcome = await pipeline.handle(Incoming(text=question, lang=lang))
            checked += 1
            if (outcome.entry, outcome.lang) != (entry.id, lang) or (
                    entry.answer[lang] not in outcome.reply_text()):
                misses.append(f"[{lang}] {question!r}: {outcome.route}/{outcome.entry} "
                              f"in {outcome.lang} ({outcome.status})")
    await client.aclose()
    assert checked == len(content_store.current.city("berlin").entries) * len(LANGUAGES)
    print(f"{checked - len(misses)} of {checked} first questions return their entry")
    # Goal: every one (516 of 522 with the current model; the misses are listed). Until then
    # this bar (<= 2% misses) fails any regression.
    assert len(misses) <= checked // 50, f"{len(misses)} of {checked} first questions miss:\n" + (
        "\n".join(misses))
