"""Webhook mode: the bot registers its webhook with a secret token, refuses requests without it,
answers real updates through the Bot API, and answers a redelivered update only once."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import httpx
import pytest

from bot.app import build_services, nlu_client
from bot.telegram.runner import build_application
from bot.telegram.webhook import SECRET_HEADER, serve_webhook
from nlu.server import LocalRasaServer, free_port
from tests.e2e.chat import REPLY_TIMEOUT, bot_settings, emulator_for
from tests.emulator.harness import Emulator, EmulatorError, TelegramUser

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]

SECRET = "e2e-webhook_secret-42"
_update_ids = itertools.count(5_000_001)


def start_update(user: TelegramUser, text: str) -> dict[str, object]:
    """A /start message as Telegram would post it to the webhook."""
    command = text.split()[0]
    return {"update_id": next(_update_ids), "message": {
        "message_id": 1, "date": 1_700_000_000, "chat": user.chat, "from": user.user,
        "text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
    }}


async def test_webhook_checks_the_secret_and_answers_each_update_once(
        emulator: Emulator, rasa_server: LocalRasaServer, tmp_path: Path) -> None:
    api = emulator_for(emulator, "4242:WEBHOOK")  # a bot of its own: the others poll
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    settings = bot_settings(api, rasa_server, tmp_path, telegram_mode="webhook",
                            webhook_url=url, webhook_port=port, webhook_secret=SECRET)
    async with nlu_client(settings) as nlu:
        services = build_services(settings, nlu)
        application = build_application(services)
        assert application.updater is None
        stop = asyncio.Event()
        async with application:
            await application.start()
            serving = asyncio.create_task(serve_webhook(application, settings, stop))
            while (await application.bot.get_webhook_info()).url != url:
                await asyncio.sleep(0.05)
            user = TelegramUser(api, 880_001, "Lena", "uk")
            try:
                # The emulator posts to the webhook without the secret: refused with 403.
                with pytest.raises(EmulatorError, match="400"):
                    await user.send_command("/start")
                update = start_update(user, "/start uk_berlin")
                async with httpx.AsyncClient(trust_env=False) as http:
                    assert (await http.post(url, json=update)).status_code == 403
                    wrong = {SECRET_HEADER: "not-the-secret"}
                    assert (await http.post(url, json=update, headers=wrong)).status_code == 403
                    right = {SECRET_HEADER: SECRET}
                    assert (await http.post(url, json=update, headers=right)).status_code == 200
                    [welcome] = await user.wait_for_replies(1, timeout=REPLY_TIMEOUT)
                    # Telegram retries the same update: accepted, but not answered again.
                    assert (await http.post(url, json=update, headers=right)).status_code == 200
                    await user.assert_no_reply(within=1.0)
                assert welcome["plain_text"].startswith(
                    services.conversations.welcome("uk", "berlin")[0].text[:40])
            finally:
                stop.set()
                await serving
                await application.bot.delete_webhook()
                await application.stop()
        services.db.dispose()
    await api.aclose_client()
