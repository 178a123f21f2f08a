"""Content broken while the bot runs (an editor's bad save): people keep getting answers from
the last good content, and the next good edit goes live as usual.

(tests/content/test_live_reload.py checks the content store itself: unsafe YAML, huge files.)"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from guides.store import ContentStore
from nlu.client import RasaClient
from nlu.server import LocalRasaServer
from tests.e2e.chat import onboarded, reply
from tests.e2e.process import until
from tests.emulator.harness import Emulator
from tests.faults.bots import own_bot

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]
QUESTION = "How do I buy a bus ticket?"
GUIDE = Path("berlin/guides/transport.tickets.yml")


def unclosed_quote(root: Path) -> None:
    path = root / GUIDE
    path.write_text(path.read_text(encoding="utf-8") + '\n  - id: "broken\n', encoding="utf-8")


def unknown_topic(root: Path) -> None:
    path = root / GUIDE
    path.write_text(path.read_text(encoding="utf-8").replace(
        "topic: transport.tickets", "topic: transport.tikets", 1), encoding="utf-8")


def emptied_ui(root: Path) -> None:
    (root / "ui/en.yml").write_text("", encoding="utf-8")


BREAKAGES: dict[str, Callable[[Path], None]] = {
    "a YAML syntax error": unclosed_quote, "an unknown topic": unknown_topic,
    "the English UI file emptied": emptied_ui}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
async def test_broken_content_mid_run_keeps_the_last_good_content_live(
        emulator: Emulator, rasa_server: LocalRasaServer, content_copy: Path, tmp_path: Path,
        breakage: str) -> None:
    content = ContentStore(content_copy)
    client = RasaClient(rasa_server.url, rasa_server.secret, timeout=15.0)
    watcher = asyncio.create_task(content.watch(interval=0.2))
    originals = {path: path.read_text(encoding="utf-8")
                 for path in (content_copy / GUIDE, content_copy / "ui/en.yml")}
    try:
        async with own_bot(emulator, rasa_server, tmp_path, content=content, nlu=client) as bot:
            person = bot.person("en")
            await onboarded(person, "en")
            await person.send_text(QUESTION)
            before = await reply(person)
            good = content.current

            BREAKAGES[breakage](content_copy)
            await until(lambda: not content.last_reload_ok, timeout=30)
            assert content.current is good
            await person.send_text(QUESTION)
            during = await reply(person)
            assert (during["text"], during["reply_markup"]) == \
                (before["text"], before["reply_markup"])
            await person.send_command("/help")
            assert (await reply(person))["plain_text"] == good.text("en", "help.text")

            # The editor fixes it, with a new title: live at once, the bot never stopped.
            entry = good.city("berlin").entries_for("transport.tickets")[0]
            for path, text in originals.items():
                path.write_text(text.replace(f"en: {entry.title['en']}",
                                             "en: Tickets (fixed)", 1), encoding="utf-8")
            await until(lambda: content.last_reload_ok, timeout=30)
            await person.send_text(QUESTION)
            after = await reply(person)
            assert after["plain_text"].startswith("Tickets (fixed)")
    finally:
        watcher.cancel()
        await client.aclose()
