"""Nothing lost, nothing twice: the real `python -m bot run` is killed with SIGKILL between two
relayed messages (both sides then write while it is down), and again while a burst of the
person's messages waits in the outbox for the caseworker group's rate limit."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest

from guides.store import ContentStore
from tests.e2e.chat import emulator_for
from tests.e2e.handoff import plain
from tests.e2e.process import START_UP, BotProcess, until
from tests.emulator.harness import BotMessage, Emulator, TelegramUser

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]
GROUP = -100_880_000_001
BURST = [f"burst message {n:02d}" for n in range(1, 31)]  # more than 20 a minute
HELLO = "Hello, I am Jana from the advice team."
FIRST = "first message before the crash"
SECOND = "second message, written while the bot was down"
SECOND_REPLY = "second reply, written while the bot was down"


def delivery(db: Path) -> dict[str, int]:
    """Outbox rows per state, and inbox updates not yet handled, as the database has them."""
    with sqlite3.connect(db) as connection:
        counts = dict(connection.execute("SELECT state, count(*) FROM outbox GROUP BY state"))
        counts["unhandled"] = connection.execute(
            "SELECT count(*) FROM inbox_updates WHERE processed_at IS NULL").fetchone()[0]
    return {state: counts.get(state, 0) for state in ("pending", "sending", "sent", "unhandled")}


class Reader:
    """Everything the bot sends to one chat (or forum topic), kept as it comes: waits look for
    a text, not a count, so notices in between (e.g. out of office hours) change nothing."""

    def __init__(self, member: TelegramUser) -> None:
        self.member = member
        self.seen: list[BotMessage] = []

    async def wait_for(self, *texts: str, timeout: float = 30.0) -> BotMessage:
        """The first message (so far or to come) containing each of `texts`; the last one."""
        deadline = time.monotonic() + timeout
        found: BotMessage | None = None
        for text in texts:
            while (found := next((m for m in self.seen if text in plain(m)), None)) is None:
                assert time.monotonic() < deadline, f"no {text!r} in {self.texts()}"
                self.seen += await self.member.drain()
                await asyncio.sleep(0.05)
        assert found is not None
        return found

    async def settle(self) -> None:
        """A quiet second for anything late (a repeat would show up here)."""
        await asyncio.sleep(1.0)
        self.seen += await self.member.drain()

    def texts(self) -> list[str]:
        return [plain(message) for message in self.seen]

    def times(self, text: str) -> int:
        return sum(shown.endswith(text) for shown in self.texts())


async def test_a_killed_bot_delivers_every_message_exactly_once_after_restart(
        emulator: Emulator, rasa_env: dict[str, str], tmp_path: Path,
        content_store: ContentStore) -> None:
    def text(key: str) -> str:
        return content_store.current.text("en", key)

    api = emulator_for(emulator, "7171:RESTART")
    db = tmp_path / "arrival.db"
    env = rasa_env | {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url,
                      "TELEGRAM_MODE": "polling", "CASEWORKER_CHAT_ID": str(GROUP),
                      "CASEWORKER_LANGUAGE": "en", "LOG_LEVEL": "INFO",
                      "USER_KEY_SECRET": "restart-test-secret"}
    log = tmp_path / "bot.log"
    jana = TelegramUser.in_group(api, 881_001, "Jana", GROUP)
    await jana.join()
    amina = TelegramUser(api, 881_002, "Amina", "en")
    bot = BotProcess(env, log)
    person, group = Reader(amina), Reader(jana)
    try:
        await amina.send_command("/start", "en_berlin")
        await person.wait_for(text("onboarding.ask"), timeout=START_UP)
        await amina.send_command("/human")
        await person.wait_for(text("handoff.consent"))
        await amina.press(text("button.human_confirm"))
        await person.wait_for("Write your question now")
        card = await group.wait_for("Request #1")
        desk = Reader(jana.in_topic(card["message_thread_id"]))
        await jana.in_topic(card["message_thread_id"]).send_text(HELLO)
        await person.wait_for(HELLO)
        await amina.send_text(FIRST)
        await desk.wait_for(FIRST)
        await person.wait_for("I added this to your request")

        # Between two relayed messages: everything handled and sent, then SIGKILL.
        await until(lambda: (delivery(db) | {"sent": 0}) == {"pending": 0, "sending": 0,
                                                              "sent": 0, "unhandled": 0})
        bot.kill9()
        await amina.send_text(SECOND)
        await desk.member.send_text(SECOND_REPLY)
        bot = BotProcess(env, log)
        await desk.wait_for(SECOND, timeout=START_UP)
        await person.wait_for(SECOND_REPLY)

        # A burst the group cannot take at once (about 20 a minute): killed while most of it
        # waits in the outbox and nothing is in flight.
        for burst in BURST:
            await amina.send_text(burst)
        await until(lambda: (d := delivery(db))["pending"] >= 3 and d["sending"] == 0
                    and d["unhandled"] == 0)
        bot.kill9()
        at_kill = delivery(db)
        bot = BotProcess(env, log)
        await desk.wait_for(*BURST, timeout=START_UP)
        for reader in (person, desk):
            await reader.settle()

        for reader, sent in ((person, [HELLO, SECOND_REPLY]), (desk, [FIRST, SECOND])):
            assert [reader.times(message) for message in sent] == [1, 1], reader.texts()
        counts = Counter({burst: desk.times(burst) for burst in BURST})
        in_flight = at_kill["sending"]  # 0 unless the kill hit a Bot API call (see outbox.py)
        if in_flight == 0:
            assert counts == Counter(BURST), counts  # each exactly once
            assert not any("repeat" in shown for shown in desk.texts())
        else:
            assert set(counts) == set(BURST) and sum(counts.values()) <= len(BURST) + in_flight
        print(f"\nkill -9 with {at_kill['pending']} relays waiting in the outbox and "
              f"{in_flight} in flight: {len(BURST)} of {len(BURST)} delivered, "
              f"{sum(counts.values()) - len(BURST)} repeated")
        assert delivery(db)["unhandled"] == 0
    finally:
        code = bot.stop()
        await api.aclose_client()
    printed = log.read_text(encoding="utf-8", errors="replace")
    assert code == 0, printed[-3000:]
    assert printed.count("Ready to answer") == 3
    for private in ("burst message", "second message", "Amina", "Jana", str(amina.user_id)):
        assert private not in printed, private
