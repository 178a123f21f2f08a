"""The real `python -m bot run` killed with SIGKILL while several people write, then started
again: every message is answered, and exactly once — except a message whose answer had gone
out when the process died but was not yet marked done: Telegram cannot be asked whether a
message arrived, so that one is answered again (never not at all). The test counts those from
the database at the moment of the kill and allows exactly them.

(tests/e2e/test_handoff_restart.py does the same for a person and a caseworker talking.)"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from guides.store import ContentStore
from tests.e2e.chat import emulator_for
from tests.e2e.process import START_UP, BotProcess, until
from tests.emulator.harness import BotMessage, Emulator, TelegramUser

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]
QUESTIONS = ["How do I buy a bus ticket?", "Where can I find a flat?",
             "How do I register my address?", "Where can I learn German?",
             "How do I open a bank account?"]  # one message each, none a safety topic
LANGS = ["en", "uk", "de", "fa"]


def processed(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute(
            "SELECT count(*) FROM inbox_updates WHERE processed_at IS NOT NULL").fetchone()[0])


async def test_a_killed_bot_answers_every_message_once_after_restart(
        emulator: Emulator, rasa_env: dict[str, str], tmp_path: Path,
        content_store: ContentStore) -> None:
    api = emulator_for(emulator, "7272:SIGKILL")
    db, log = tmp_path / "arrival.db", tmp_path / "bot.log"
    env = rasa_env | {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url,
                      "TELEGRAM_MODE": "polling", "LOG_LEVEL": "INFO",
                      "USER_KEY_SECRET": "sigkill-test-secret"}
    people = [TelegramUser(api, 883_001 + n, f"Person {n}", lang) for n, lang in
              enumerate(LANGS)]
    got: dict[int, list[BotMessage]] = {person.user_id: [] for person in people}

    async def collect() -> int:
        for person in people:
            got[person.user_id] += await person.drain()
        return sum(len(messages) for messages in got.values())

    bot = BotProcess(env, log)
    try:
        await until(lambda: "Ready to answer" in log.read_text(errors="replace"), START_UP)
        for question in QUESTIONS:
            await asyncio.gather(*(person.send_text(question) for person in people))
        # Mid-traffic: a few answered (and marked done), the rest at any step of the way.
        await until(lambda: db.exists() and processed(db) >= len(people))
        bot.kill9()
        sent_before = await collect()
        window = sent_before - processed(db)  # answered, not yet marked done
        assert window >= 0

        bot = BotProcess(env, log)
        total = len(people) * len(QUESTIONS)
        await until(lambda: "Ready to answer" in log.read_text(errors="replace"), START_UP)
        help_texts = {content_store.current.text(lang, "help.text") for lang in LANGS}
        for person in people:  # after everything else in the chat: marks its end
            await person.send_command("/help")
        while sum(m["plain_text"] in help_texts for ms in got.values() for m in ms) < \
                len(people):
            await collect()
            await asyncio.sleep(0.05)
    finally:
        code = bot.stop()
        await api.aclose_client()

    answers = {user: [m for m in messages if m["plain_text"] not in help_texts]
               for user, messages in got.items()}
    assert all(len(messages) >= len(QUESTIONS) for messages in answers.values())
    assert sum(len(messages) for messages in answers.values()) == total + window
    assert all(m["reply_markup"] for messages in answers.values() for m in messages)
    assert processed(db) == total + len(people)
    print(f"\nkill -9 after {sent_before} of {total} answers: all {total} answered after the "
          f"restart, {window} twice (on their way at the kill)")
    printed = log.read_text(encoding="utf-8", errors="replace")
    assert code == 0, printed[-3000:]
    assert printed.count("Ready to answer") == 2
    for private in [*QUESTIONS, "Person", *(str(person.user_id) for person in people)]:
        assert private not in printed, private
