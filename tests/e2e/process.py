"""The real `python -m bot run` as a child process, for tests that kill it; and waiting for a
condition with a deadline."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.app import PROJECT

START_UP = 120.0  # a fresh process loads the content and the language detector first


class BotProcess:
    """`python -m bot run` as a child, logging to a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as output:
            self.child = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=PROJECT,
                                          env=env, stdout=output, stderr=subprocess.STDOUT)

    def kill9(self) -> None:
        os.kill(self.child.pid, signal.SIGKILL)
        self.child.wait(timeout=30)

    def stop(self) -> int:
        if self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)
            return self.child.wait(timeout=60)
        return self.child.returncode


async def until(check: Callable[[], object], timeout: float = 60.0) -> None:
    """Wait until `check()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
