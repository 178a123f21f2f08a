"""Start and stop a local Rasa server on loopback for `make run`, `ask` and the tests."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import httpx
import jwt

from nlu.training import rasa_env, verify_model

logger = logging.getLogger(__name__)
# Rasa parses one message at a time. TensorFlow's thread pools split each small operation of
# the model over the cores and cost more switching than they save: measured on 2 cores with 8
# parses in flight, a single thread per pool parses about 10% more messages a second.
SERVING_THREADS = {"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1"}


class RasaStartError(Exception):
    """The local Rasa server could not be started; the message says what to do."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalRasaServer:
    """A `rasa run --enable-api` child process bound to 127.0.0.1 with a fresh JWT secret."""

    def __init__(self, rasa_bin: Path, model: Path, log_file: Path | None = None,
                 port: int | None = None) -> None:
        self.rasa_bin = rasa_bin
        self.model = model
        self.port = port or free_port()
        self.secret = secrets.token_urlsafe(32)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180.0) -> LocalRasaServer:
        if not self.rasa_bin.exists():
            raise RasaStartError(f"{self.rasa_bin} not found: run `make setup` first")
        if not verify_model(self.model):
            raise RasaStartError(f"{self.model} is not a model this project trained (hash "
                                 "mismatch or missing): run `make train`")
        command = [str(self.rasa_bin), "run", "--enable-api", "-i", "127.0.0.1",
                   "-p", str(self.port), "--model", str(self.model),
                   "--jwt-secret", self.secret, "--jwt-method", "HS256"]
        if self.log_file:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
        output = self.log_file.open("ab") if self.log_file else subprocess.DEVNULL
        self._process = subprocess.Popen(  # own process group: stopped with its children
            command, env=rasa_env() | SERVING_THREADS, stdout=output, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float) -> None:
        token = jwt.encode({"user": {"username": "arrival-bot", "role": "admin"}}, self.secret,
                           algorithm="HS256")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RasaStartError(f"Rasa exited with code {self._process.returncode}"
                                     + (f"; see {self.log_file}" if self.log_file else ""))
            try:
                response = httpx.get(f"{self.url}/status", timeout=2,
                                     headers={"Authorization": f"Bearer {token}"})
                if response.status_code == 200 and response.json().get("model_file"):
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RasaStartError(f"Rasa was not ready within {timeout:.0f} s")

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def __enter__(self) -> LocalRasaServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
