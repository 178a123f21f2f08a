"""Record a short real conversation with `python -m bot run` through the Bot API emulator.

    .venv/bin/python -m tests.e2e.transcript > docs/transcript.md

Starts the emulator on a free loopback port and the bot as a child process (with its own local
Rasa server unless RASA_URL is set), plays one newcomer, and prints the chat as Markdown.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.emulator.harness import BotMessage, Emulator, TelegramUser

PROJECT = Path(__file__).resolve().parents[2]
TIMEOUT = 180.0


def _buttons(message: BotMessage) -> str:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) + markup.get("keyboard", [])
    labels = [button if isinstance(button, str) else button["text"]
              for row in rows for button in row]
    return "  \n> " + " · ".join(f"[{label}]" for label in labels) if labels else ""


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


class Transcript:
    def __init__(self, user: TelegramUser) -> None:
        self.user = user
        self.lines: list[str] = []
        self.began = time.monotonic()

    def _stamp(self) -> str:
        return f"{time.monotonic() - self.began:5.1f} s"

    def said(self, what: str) -> None:
        self.lines.append(f"**{self._stamp()} — newcomer:** {what}\n")

    def bot(self, message: BotMessage, verb: str = "bot") -> None:
        self.lines.append(f"**{self._stamp()} — {verb}:**\n\n{_quote(message['plain_text'])}"
                          f"{_buttons(message)}\n")

    async def replies(self, n: int = 1) -> list[BotMessage]:
        messages = await self.user.wait_for_replies(n, timeout=TIMEOUT)
        for message in messages:
            self.bot(message)
        return messages

    async def edit(self, message: BotMessage,
                   verb: str = "bot (edits the same message)") -> BotMessage:
        edited = await self.user.wait_for_edit(message["message_id"], timeout=TIMEOUT)
        if edited["plain_text"] == message["plain_text"]:  # only the buttons changed
            self.lines.append(f"**{self._stamp()} — {verb}:** {_buttons(edited)[5:]}\n")
        else:
            self.bot(edited, verb)
        return edited


async def conversation(emulator: Emulator) -> list[str]:
    user = TelegramUser(emulator, 424_242, "Oksana", "ru")
    log = Transcript(user)
    log.said("/start")
    await user.send_command("/start")
    [picker] = await log.replies()
    log.said("taps [Українська]")
    await user.press("Українська")
    await log.edit(picker)
    question = "Де купити квиток на автобус?"
    log.said(question)
    await user.send_text(question)
    await log.replies()
    log.said("taps [👍]")
    await user.press("👍")
    await log.replies()
    log.said("/menu")
    await user.send_command("/menu")
    [menu] = await log.replies()
    log.said("taps [Реєстрація і документи]")
    await user.press("Реєстрація і документи")
    await log.edit(menu)
    log.said("taps [📍 Послуги поруч]")
    await user.press("📍 Послуги поруч")
    await log.replies()
    log.said("shares a location in Neukölln (52.481, 13.435)")
    await user.send_location(52.481, 13.435)
    [services] = await log.replies()  # sent taking the share-location keyboard away ...
    await log.edit(services, "bot (adds its buttons to that message)")  # ... then its buttons
    log.said("sends a voice message")
    await user.send_raw({"voice": {"file_id": "AwACAg", "file_unique_id": "AgADvoice",
                                   "duration": 3}})
    await log.replies()
    return log.lines


async def bot_ready(emulator: Emulator, child: subprocess.Popen[bytes]) -> None:
    """Wait until the bot registered its commands: it polls right after."""
    deadline = time.monotonic() + TIMEOUT
    async with httpx.AsyncClient(trust_env=False) as http:
        while time.monotonic() < deadline and child.poll() is None:
            answer = await http.post(f"{emulator.base_url}{emulator.token}/getMyCommands")
            if answer.json().get("result"):
                return
            await asyncio.sleep(0.5)
    raise TimeoutError("the bot did not start")


async def main() -> int:
    async with Emulator() as emulator:
        with tempfile.TemporaryDirectory() as folder:
            env = dict(os.environ, TELEGRAM_BOT_TOKEN=emulator.token,
                       TELEGRAM_BASE_URL=emulator.base_url, TELEGRAM_MODE="polling",
                       DATABASE_URL=f"sqlite:///{folder}/arrival.db", VAR_DIR=f"{folder}/var",
                       RASA_TELEMETRY_ENABLED="false")
            (Path(folder) / "var").mkdir()
            log = Path(folder) / "bot.log"
            with log.open("wb") as output:
                child = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=PROJECT,
                                         env=env, stdout=output, stderr=subprocess.STDOUT)
            try:
                await bot_ready(emulator, child)
                lines = await conversation(emulator)
            except BaseException:
                print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
                raise
            finally:
                child.send_signal(signal.SIGINT)
                child.wait(timeout=60)
                await emulator.aclose_client()
    print("# A real run against the Bot API emulator\n")
    print("`TELEGRAM_BOT_TOKEN=123:ABC TELEGRAM_BASE_URL=http://127.0.0.1:PORT/bot "
          ".venv/bin/python -m bot run`, driven by `python -m tests.e2e.transcript` "
          "(times from the first /start, once the bot is up).\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
