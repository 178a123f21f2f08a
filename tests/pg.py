"""A real, throwaway PostgreSQL server for the test session (Debian's `postgresql` binaries).

`initdb` runs in a fresh temporary directory, `postgres` listens on a free loopback port and a
socket inside that directory, and everything is removed when the session ends. PostgreSQL refuses
to run as root (CI runs as root), so as root the server runs as an unprivileged account
(`ARRIVAL_PG_USER`, default `nobody`); otherwise as the current user. Each test gets its own
database, created and dropped around it. `ARRIVAL_TEST_PG_URL` points the tests at an existing
server instead (it must allow CREATE DATABASE).
"""

from __future__ import annotations

import ctypes
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

PG_ROOT = Path("/usr/lib/postgresql")
_names = itertools.count(1)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries, or the server would not start; the message says what to do."""


def find_bin_dir() -> Path:
    """The newest installed server version's bin/ (Debian's layout)."""
    versions = sorted((p for p in PG_ROOT.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()])
    if not versions:
        raise PostgresUnavailable(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
            "run `make system-deps` (Debian package `postgresql`)")
    return versions[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """Ask the kernel to stop the server if the test process dies without cleaning up."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGQUIT)  # PR_SET_PDEATHSIG; SIGQUIT = immediate shutdown
    except OSError:
        pass


@dataclass
class PostgresServer:
    """A running server; `url(name)` for SQLAlchemy, `create()`/`drop()` databases on it."""

    host: str
    port: int
    user: str
    password: str | None = None
    process: subprocess.Popen[bytes] | None = None
    directory: Path | None = None
    launch: Callable[[], subprocess.Popen[bytes]] | None = None  # (re)starts our own server

    def url(self, database: str) -> str:
        login = f"{self.user}:{self.password}" if self.password else self.user
        return f"postgresql+psycopg://{login}@{self.host}:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(host=self.host, port=self.port, user=self.user,
                               password=self.password, dbname="postgres", autocommit=True,
                               connect_timeout=3)

    def create(self, template: str = "template0") -> str:
        """A new database, empty or a copy of `template`; returns its name."""
        name = f"arrival_test_{os.getpid()}_{next(_names)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def drop(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def halt(self) -> None:
        """Shut the server down as an outage would, keeping its data for `resume()`."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def resume(self) -> None:
        """Start a halted server again: same port, same data."""
        if self.launch is None or self.directory is None:
            raise PostgresUnavailable("only a server started by start_postgres() can resume")
        self.process = self.launch()
        _wait_ready(self, self.directory / "server.log")

    def stop(self) -> None:
        self.halt()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


def _account() -> tuple[int, int] | None:
    """The (uid, gid) to run as, or None to run as ourselves (when we are not root)."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("ARRIVAL_PG_USER", "nobody")
    try:
        entry = pwd.getpwnam(name)
    except KeyError as missing:
        raise PostgresUnavailable(f"No user {name!r} to run PostgreSQL as "
                                  "(set ARRIVAL_PG_USER to an unprivileged user)") from missing
    return entry.pw_uid, entry.pw_gid


def _run_as(account: tuple[int, int] | None) -> dict[str, object]:
    if account is None:
        return {}
    return {"user": account[0], "group": account[1], "extra_groups": []}


def _wait_ready(server: PostgresServer, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process is not None
        if server.process.poll() is not None:
            raise PostgresUnavailable("PostgreSQL exited at start-up:\n" + _tail(log))
        try:
            server._admin().close()
            return
        except psycopg.OperationalError:
            time.sleep(0.1)
    raise PostgresUnavailable("PostgreSQL did not accept connections in time:\n" + _tail(log))


def _tail(log: Path) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-20:])
    except OSError:
        return "(no log)"


def start_postgres() -> PostgresServer:
    """initdb + postgres in a new temporary directory; the caller must `stop()` it."""
    external = os.environ.get("ARRIVAL_TEST_PG_URL")
    if external:
        info = psycopg.conninfo.conninfo_to_dict(external.replace("+psycopg", ""))
        password = info.get("password")
        return PostgresServer(str(info.get("host", "127.0.0.1")), int(info.get("port", 5432)),
                              str(info.get("user", "postgres")),
                              str(password) if password else None)
    bin_dir = find_bin_dir()
    account = _account()
    directory = Path(tempfile.mkdtemp(prefix="arrival-pg-"))
    if account is not None:
        os.chown(directory, *account)
    data, log = directory / "data", directory / "server.log"
    as_account = _run_as(account)
    initdb = subprocess.run(
        [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
         "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"],
        cwd=directory, capture_output=True, text=True, check=False, **as_account)  # type: ignore[call-overload]
    if initdb.returncode != 0:
        shutil.rmtree(directory, ignore_errors=True)
        raise PostgresUnavailable(f"initdb failed:\n{initdb.stderr[-2000:]}")
    for attempt in range(3):
        server = PostgresServer("127.0.0.1", free_port(), "postgres", directory=directory)

        def launch(port: int = server.port) -> subprocess.Popen[bytes]:
            with log.open("ab") as out:
                if account is not None:
                    os.chown(log, *account)
                preexec: Callable[[], None] = _die_with_parent
                return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
                    [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port),
                     "-k", str(directory), "-c", "listen_addresses=127.0.0.1",
                     "-c", "fsync=off", "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off", "-c", "max_connections=60"],
                    cwd=directory, stdout=out, stderr=subprocess.STDOUT, preexec_fn=preexec,
                    **as_account)

        server.launch = launch
        server.process = launch()
        try:
            _wait_ready(server, log)
            return server
        except PostgresUnavailable:
            server.directory = None  # keep the data directory for the next attempt
            server.stop()
            if attempt == 2:
                shutil.rmtree(directory, ignore_errors=True)
                raise
    raise AssertionError("unreachable")
