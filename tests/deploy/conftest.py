"""Deployment fixtures: the compose file resolved by docker-compose, a webhook-mode bot as a
child process (`python -m bot run`) on loopback, talking to the Bot API emulator, the session's
Rasa server and a PostgreSQL database, as in docker-compose.yml."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.app import PROJECT
from nlu.server import LocalRasaServer, free_port
from tests.emulator.harness import Emulator
from tests.pg import PostgresServer

COMPOSE_FILE = PROJECT / "docker-compose.yml"
START_UP = 120.0  # the child loads the content, spaCy and the language detector first
WEBHOOK_SECRET = "deploy-webhook_secret-7"
# Every value docker-compose.yml requires; a test .env holds them (never the real ones).
REQUIRED = {
    "TELEGRAM_BOT_TOKEN": "123456:TEST-token",
    "WEBHOOK_URL": "https://bot.example.org/telegram",
    "WEBHOOK_SECRET": "test-webhook-secret",
    "RASA_TOKEN": "test-rasa-jwt-secret",
    "USER_KEY_SECRET": "test-user-key-secret",
    "POSTGRES_PASSWORD": "test-postgres-password",
}


def docker_compose() -> str:
    found = shutil.which("docker-compose")
    if found is None:
        pytest.fail("docker-compose is not installed: run `make system-deps` "
                    "(Debian package docker-compose)")
    return found


def compose_config(env_file: Path, *args: str,
                   extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` on the project's compose file with only `env_file` as input (the
    caller's environment and a developer's .env must not leak in)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(env_file.parent),
           **(extra_env or {})}
    return subprocess.run(
        [docker_compose(), "--project-directory", str(PROJECT), "--env-file", str(env_file),
         "-f", str(COMPOSE_FILE), "config", *args],
        capture_output=True, text=True, env=env, cwd=env_file.parent, timeout=60)


def sample(metrics: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text format, None when absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = "^" + re.escape(name + (f"{{{wanted}}}" if labels else "")) + r" (\S+)$"
    found = re.search(pattern, metrics, re.MULTILINE)
    return float(found.group(1)) if found else None


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "test.env"
    path.write_text("".join(f"{name}={value}\n" for name, value in REQUIRED.items()))
    return path


@pytest.fixture
def resolved(env_file: Path) -> dict[str, Any]:
    """The compose file as docker-compose resolves it (anchors merged, variables filled in)."""
    result = compose_config(env_file)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


@pytest.fixture(scope="module")
def deploy_emulator() -> Iterator[Emulator]:
    """A Bot API emulator for these tests (`make setup` installs it)."""
    with Emulator() as emu:
        yield emu


@dataclass
class WebhookBot:
    """A `python -m bot run` child in webhook mode, and where to reach it."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    token: str
    database_url: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_webhook_bot(emulator: Emulator, folder: Path, rasa_url: str, rasa_token: str,
                      database_url: str) -> WebhookBot:
    """Start the bot as production runs it (webhook mode, secret token) and wait until its
    HTTP server answers."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        TELEGRAM_BOT_TOKEN=emulator.token, TELEGRAM_BASE_URL=emulator.base_url,
        TELEGRAM_MODE="webhook", WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port), WEBHOOK_SECRET=WEBHOOK_SECRET,
        RASA_URL=rasa_url, RASA_TOKEN=rasa_token, RASA_TIMEOUT="15",
        DATABASE_URL=database_url, VAR_DIR=str(folder / "var"),
        USER_KEY_SECRET="deploy-user-key-secret", LOG_LEVEL="INFO",
        RASA_TELEMETRY_ENABLED="false")
    log = folder / "bot.log"
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=PROJECT, env=env,
                                   stdout=output, stderr=subprocess.STDOUT)
    bot = WebhookBot(process, port, log, emulator.token, database_url)
    deadline = time.monotonic() + START_UP
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the bot exited with {process.returncode}:\n{bot.output()[-3000:]}")
        try:
            httpx.get(f"{bot.url}/healthz", timeout=10, trust_env=False)
            return bot
        except httpx.HTTPError:
            time.sleep(0.2)
    bot.stop()
    pytest.fail(f"the bot did not listen within {START_UP:.0f} s:\n{bot.output()[-3000:]}")


@pytest.fixture(scope="module")
def webhook_bot(deploy_emulator: Emulator, rasa_server: LocalRasaServer,
                postgres: PostgresServer,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebhookBot]:
    """The bot in webhook mode on PostgreSQL and the real Rasa server, as in compose."""
    api = Emulator("4646:DEPLOY")
    api.port = deploy_emulator.port
    database = postgres.create()
    bot = start_webhook_bot(api, tmp_path_factory.mktemp("webhook"), rasa_server.url,
                            rasa_server.secret, postgres.url(database))
    yield bot
    bot.stop()
    postgres.drop(database)
