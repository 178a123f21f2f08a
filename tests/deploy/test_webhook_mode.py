"""The bot as production runs it (`python -m bot run`, TELEGRAM_MODE=webhook) on loopback:
the webhook refuses requests without the secret token, and /healthz and /metrics answer."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import httpx
import pytest

from nlu.server import LocalRasaServer, free_port
from storage import Database
from storage.tickets import open_ticket
from tests.deploy.conftest import WEBHOOK_SECRET, WebhookBot, sample, start_webhook_bot
from tests.emulator.harness import Emulator, TelegramUser

pytestmark = [pytest.mark.emulator, pytest.mark.rasa, pytest.mark.postgres]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
QUESTION = "how do I buy a bus ticket"
_update_ids = itertools.count(7_000_001)


def text_update(user: TelegramUser, text: str) -> dict[str, object]:
    """A text message as Telegram posts it to the webhook."""
    return {"update_id": next(_update_ids), "message": {
        "message_id": 1, "date": int(time.time()), "chat": user.chat, "from": user.user,
        "text": text}}


async def scrape(bot: WebhookBot) -> str:
    async with httpx.AsyncClient(trust_env=False, timeout=15) as http:
        response = await http.get(f"{bot.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text


async def test_the_webhook_refuses_requests_without_the_secret_token(
        webhook_bot: WebhookBot, deploy_emulator: Emulator) -> None:
    user = TelegramUser(deploy_emulator, 910_001, "Olena", "en")
    update = text_update(user, "hello")
    async with httpx.AsyncClient(trust_env=False, timeout=15) as http:
        url = f"{webhook_bot.url}/telegram"
        assert (await http.post(url, json=update)).status_code == 403
        for wrong in ("wrong", WEBHOOK_SECRET + "x", WEBHOOK_SECRET[:-1], ""):
            response = await http.post(url, json=update, headers={SECRET_HEADER: wrong})
            assert response.status_code == 403
    assert WEBHOOK_SECRET not in webhook_bot.output()


async def test_a_request_with_the_secret_is_answered_and_counted(
        webhook_bot: WebhookBot, deploy_emulator: Emulator) -> None:
    api = Emulator(webhook_bot.token)
    api.port = deploy_emulator.port
    user = TelegramUser(api, 910_002, "Karim", "en")
    before = await scrape(webhook_bot)
    labels = {"route": "transport.tickets", "lang": "en", "status": "answered"}
    answered_before = sample(before, "arrival_messages_total", **labels) or 0.0
    timed_before = sample(before, "arrival_nlu_latency_seconds_count", result="ok") or 0.0
    async with httpx.AsyncClient(trust_env=False, timeout=15) as http:
        response = await http.post(f"{webhook_bot.url}/telegram",
                                   json=text_update(user, QUESTION),
                                   headers={SECRET_HEADER: WEBHOOK_SECRET})
    assert response.status_code == 200
    [answer] = await user.wait_for_replies(1, timeout=30)
    assert answer["plain_text"]
    after = await scrape(webhook_bot)
    assert sample(after, "arrival_messages_total", **labels) == answered_before + 1
    assert sample(after, "arrival_nlu_latency_seconds_count", result="ok") == timed_before + 1
    await api.aclose_client()
    printed = webhook_bot.output()
    assert QUESTION not in printed and webhook_bot.token not in printed


async def test_healthz_reports_database_rasa_and_content(webhook_bot: WebhookBot) -> None:
    async with httpx.AsyncClient(trust_env=False, timeout=15) as http:
        response = await http.get(f"{webhook_bot.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "rasa": True, "content": True}


async def test_metrics_are_prometheus_text_with_every_metric(webhook_bot: WebhookBot) -> None:
    metrics = await scrape(webhook_bot)
    for name, kind in [("arrival_messages_total", "counter"),
                       ("arrival_nlu_latency_seconds", "histogram"),
                       ("arrival_nlu_fallback_total", "counter"),
                       ("arrival_nlu_degraded", "gauge"),
                       ("arrival_errors_total", "counter"),
                       ("arrival_handoff_queue_length", "gauge"),
                       ("arrival_content_reload_ok", "gauge")]:
        assert f"# TYPE {name} {kind}\n" in metrics, name
        assert f"# HELP {name} " in metrics, name
    assert sample(metrics, "arrival_content_reload_ok") == 1.0
    assert sample(metrics, "arrival_nlu_degraded") == 0.0
    assert "_created" not in metrics
    assert (sample(metrics, "arrival_process_resident_memory_bytes") or 0) > 0
    assert WEBHOOK_SECRET not in metrics and "Bearer" not in metrics


async def test_the_handoff_queue_is_read_from_the_database(webhook_bot: WebhookBot) -> None:
    before = sample(await scrape(webhook_bot), "arrival_handoff_queue_length") or 0.0
    db = Database(webhook_bot.database_url)  # the bot's PostgreSQL database
    try:
        for n in (1, 2):
            open_ticket(db, f"deploy-user-{n}", 920_000 + n, "en", "berlin", "housing.search")
    finally:
        db.dispose()
    assert sample(await scrape(webhook_bot), "arrival_handoff_queue_length") == before + 2


async def test_healthz_says_rasa_is_down_when_it_cannot_be_reached(
        deploy_emulator: Emulator, tmp_path: Path) -> None:
    api = Emulator("4747:NORASA")
    api.port = deploy_emulator.port
    dead = f"http://127.0.0.1:{free_port()}"
    bot = start_webhook_bot(api, tmp_path, dead, "some-jwt-secret",
                            f"sqlite:///{tmp_path}/arrival.db")
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=15) as http:
            response = await http.get(f"{bot.url}/healthz")
            metrics = (await http.get(f"{bot.url}/metrics")).text
        assert response.status_code == 503
        assert response.json() == {"status": "degraded", "database": True, "rasa": False,
                                   "content": True}
        assert sample(metrics, "arrival_handoff_queue_length") == 0.0
    finally:
        assert bot.stop() == 0, bot.output()[-3000:]


def test_the_webhook_bot_stops_cleanly(webhook_bot: WebhookBot,
                                       rasa_server: LocalRasaServer) -> None:
    assert webhook_bot.stop() == 0, webhook_bot.output()[-3000:]
    printed = webhook_bot.output()
    assert "Serving the Telegram webhook" in printed and "Stopping" in printed
    assert WEBHOOK_SECRET not in printed and rasa_server.secret not in printed
