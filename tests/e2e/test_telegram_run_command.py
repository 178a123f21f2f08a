"""`python -m bot run` with TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL serves a person through the
emulator: /start, a language, a question, the answer in that language; then stops cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import PROJECT
from guides.store import ContentStore
from storage import Database
from storage.models import utcnow
from storage.reports import message_counts
from tests.e2e.chat import buttons, emulator_for
from tests.emulator.harness import Emulator, TelegramUser

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]
START_UP = 120.0  # the child loads the content and the language detector first


async def test_python_m_bot_run_answers_through_the_emulator(
        emulator: Emulator, rasa_env: dict[str, str], content_store: ContentStore,
        tmp_path: Path) -> None:
    api = emulator_for(emulator, "5151:RUNCOMMAND")  # its own bot: the session bot polls too
    env = rasa_env | {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url,
                      "TELEGRAM_MODE": "polling", "LOG_LEVEL": "INFO"}
    log = tmp_path / "bot.log"
    with log.open("wb") as output:
        child = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=PROJECT, env=env,
                                 stdout=output, stderr=subprocess.STDOUT)
    try:
        user = TelegramUser(api, 990_001, "Mariam", "ar")
        await user.send_command("/start")
        [picker] = await user.wait_for_replies(1, timeout=START_UP)
        assert buttons(picker)[0] == "العربية"
        await user.press("العربية")
        welcome = await user.wait_for_edit(picker["message_id"], timeout=30)
        assert welcome["plain_text"].startswith("أهلًا بك")
        await user.send_text("كم سعر تذكرة الباص؟")
        [answer] = await user.wait_for_replies(1, timeout=30)
        titles = [entry.title["ar"] for entry in
                  content_store.current.city("berlin").entries_for("transport.tickets")]
        assert any(answer["plain_text"].startswith(title) for title in titles), answer
    finally:
        child.send_signal(signal.SIGTERM)
        code = child.wait(timeout=60)
        await api.aclose_client()
    printed = log.read_text(encoding="utf-8", errors="replace")
    assert code == 0, printed[-3000:]
    assert "Ready to answer" in printed and "Polling Telegram" in printed
    assert "Stopping" in printed
    assert "تذكرة" not in printed and "Mariam" not in printed and "990001" not in printed
    assert api.token not in printed  # httpx would log URLs with the token at INFO
    db = Database(env["DATABASE_URL"])  # the anonymous count was written when it stopped
    counts = [(row.route, row.lang, row.count) for row in message_counts(db, utcnow().date())]
    db.dispose()
    assert counts == [("transport.tickets", "ar", 1)]
