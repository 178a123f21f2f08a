"""The bot under load, as production runs it: `python -m bot run` in a process of its own."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.app import PROJECT
from bot.settings import Settings

START_UP = 180.0  # seconds to load content and models and to warm up


def bot_environment(settings: dict[str, str]) -> dict[str, str]:
    """This environment without any of the bot's settings, plus `settings`: nothing set in
    this shell leaks in (nor from a .env: the bot runs in a folder of its own)."""
    names = {name.upper() for name in Settings.model_fields}
    env = {name: value for name, value in os.environ.items() if name not in names}
    return env | settings | {"RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(PROJECT)}


class BotProcess:
    """`python -m bot run` as a child, in `folder`; its log (which never holds message text)
    goes to a file there."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.log = folder / "bot.log"
        with self.log.open("wb") as output:
            self.process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=folder,
                                            env=env, stdout=output, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    async def ready(self, timeout: float = START_UP) -> None:
        """Wait until the bot polls (after its warm-up), or fail with the end of its log."""
        deadline = time.monotonic() + timeout
        while "Polling Telegram" not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start:\n{self.tail()}")
            await asyncio.sleep(0.5)

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; a bot that does not exit cleanly fails."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.returncode != 0:
            raise RuntimeError(f"the bot exited with {self.process.returncode}:\n{self.tail()}")
