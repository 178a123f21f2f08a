"""The trained Rasa model, served by a real Rasa server, routes real questions."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.app import PROJECT
from bot.pipeline import Incoming, Pipeline
from guides.store import ContentStore
from nlu.client import NLUUnavailable, RasaClient
from nlu.server import LocalRasaServer, free_port

pytestmark = pytest.mark.rasa


def ask(lines: list[dict[str, str]], env: dict[str, str]) -> list[dict[str, object]]:
    stdin = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "--jsonl"], input=stdin,
                            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


async def test_rasa_client_parses_with_a_signed_token(rasa_server: LocalRasaServer) -> None:
    client = RasaClient(rasa_server.url, rasa_server.secret)
    parse = await client.parse("how do I buy a bus ticket")
    await client.aclose()
    assert parse.source == "rasa"
    assert parse.intent.route == "transport.tickets"
    assert parse.top_routes(1)[0][0] == "transport.tickets"


async def test_wrong_token_is_refused(rasa_server: LocalRasaServer) -> None:
    client = RasaClient(rasa_server.url, "not-the-secret")
    with pytest.raises(NLUUnavailable, match="refused the token"):
        await client.parse("hello")
    await client.aclose()


@pytest.mark.parametrize(("text", "lang", "route"), [
    ("how do I buy a bus ticket", "en", "transport.tickets"),
    ("كيف أشتري تذكرة باص", "ar", "transport.tickets"),
    ("як купити квиток на автобус", "uk", "transport.tickets"),
    ("where can I learn german for free", "en", "language.courses"),
    ("hello", None, "greet"),
    ("I want to talk to a real person", "en", "handoff"),
])
async def test_pipeline_routes_and_answers_in_the_message_language(
        rasa_server: LocalRasaServer, content_store: ContentStore, text: str,
        lang: str | None, route: str) -> None:
    client = RasaClient(rasa_server.url, rasa_server.secret)
    pipeline = Pipeline(content_store, client)
    outcome = await pipeline.handle(Incoming(text=text))
    await client.aclose()
    assert outcome.route == route
    if lang:
        assert outcome.lang == lang
    if route in content_store.current.taxonomy.topics:
        entry = content_store.current.entry("berlin", outcome.entry or "")
        assert entry is not None and entry.topic == route
        assert entry.answer[outcome.lang] in outcome.reply_text()


def test_ask_jsonl_calls_rasa_and_degrades_when_it_is_down(rasa_env: dict[str, str]) -> None:
    question = [{"text": "how do I buy a bus ticket"}]
    [up] = ask(question, rasa_env)
    assert up["route"] == "transport.tickets"
    assert up["status"] == "answered"
    assert set(up) >= {"route", "entry", "confidence", "lang", "reply"}
    assert isinstance(up["confidence"], float) and up["confidence"] > 0.5

    down_env = dict(rasa_env, RASA_URL=f"http://127.0.0.1:{free_port()}")
    [down] = ask(question, down_env)
    assert down["status"] in ("degraded", "clarify")
    assert "simpler mode" in str(down["reply"])
    assert down["route"] == "transport.tickets"


def test_ask_keeps_going_after_a_bad_line(rasa_env: dict[str, str]) -> None:
    stdin = 'not json\n{"text": "hello", "lang": "de"}\n'
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "--jsonl"], input=stdin,
                            cwd=PROJECT, env=rasa_env, capture_output=True, text=True,
                            timeout=300, check=False)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert "error" in lines[0]
    assert lines[1]["route"] == "greet"


def test_console_answers_a_transport_question(rasa_env: dict[str, str]) -> None:
    env = dict(rasa_env)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    result = subprocess.run([sys.executable, "-m", "bot", "run"],
                            input="1\nhow do I buy a bus ticket\n/quit\n", cwd=PROJECT,
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    content = ContentStore(PROJECT / "content").current
    titles = [entry.title["en"] for entry in content.city("berlin").entries_for(
        "transport.tickets")]
    assert "Arrival console chat" in result.stdout
    assert any(title in result.stdout for title in titles), result.stdout[-3000:]
    assert os.environ.get("RASA_URL") != rasa_env["RASA_URL"]  # the child used the shared one
