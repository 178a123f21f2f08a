"""Drive a bot end to end through the Telegram Bot API emulator in tests/emulator/server.js.

    async with Emulator() as emu:
        app = Application.builder().token(emu.token).base_url(emu.base_url).build()
        ...start polling...
        amina = TelegramUser(emu, user_id=1001, first_name="Amina", language_code="ar")
        await amina.send_command("/start")
        [welcome] = await amina.wait_for_replies(1)
        await amina.press("English")

A bot message seen by a user is a dict (``BotMessage``) with at least ``message_id``,
``chat_id``, ``text`` (as the bot sent it, markup included), ``plain_text`` (as Telegram would
show it), ``parse_mode``, ``reply_markup``, ``message_thread_id``, ``method`` (the Bot API method
that produced it) and ``kind`` ("message", "edit" or "delete"), plus every other field the bot
sent (``location``, ``venue``, ``source_message_id``...).
"""

from __future__ import annotations

import asyncio
import dataclasses
import fcntl
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

EMULATOR_DIR = Path(__file__).resolve().parent
DEFAULT_TOKEN = "123:ABC"
POLL_INTERVAL = 0.02  # seconds between two looks at the emulator while waiting

BotMessage = dict[str, Any]
T = TypeVar("T")


class EmulatorError(RuntimeError):
    """The emulator could not start or refused a request."""


def _npm_ci_once() -> None:
    """Install the emulator's node packages unless present (locked against parallel workers)."""
    if (EMULATOR_DIR / "node_modules").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise EmulatorError("npm is not installed; the Telegram emulator needs Node.js >= 18")
    with open(EMULATOR_DIR / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (EMULATOR_DIR / "node_modules").is_dir():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=EMULATOR_DIR, check=True)


@dataclass
class _ChatLog:
    """Every bot event seen in one chat, shared by all the users reading that chat."""

    events: list[BotMessage] = field(default_factory=list)
    current: dict[int, BotMessage] = field(default_factory=dict)  # message_id -> latest state
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def add(self, event: BotMessage) -> None:
        self.events.append(event)
        if event["kind"] == "delete":
            self.current.pop(event["message_id"], None)
        else:
            self.current[event["message_id"]] = event


def bot_message(entry: dict[str, Any]) -> BotMessage:
    """A bot event as the emulator's client endpoints return it, as a ``BotMessage``."""
    message: dict[str, Any] = dict(entry["message"])
    return {
        **message,
        "message_id": entry["messageId"],
        "time": entry["time"] / 1000,  # when the emulator recorded it (Unix seconds)
        "chat_id": int(message["chat_id"]),
        "kind": entry.get("kind", "message"),
        "method": entry.get("method", "sendMessage"),
        "text": message.get("text"),
        "plain_text": message.get("plain_text", message.get("text")),
        "parse_mode": message.get("parse_mode"),
        "reply_markup": message.get("reply_markup"),
        "message_thread_id": message.get("message_thread_id"),
    }


class Emulator:
    """The emulator as a child process: ``with Emulator() as emu`` or ``async with``."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, startup_timeout: float = 60.0) -> None:
        self.token = token
        self.startup_timeout = startup_timeout
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self._client: httpx.AsyncClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self._logs: dict[int, _ChatLog] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``Application.builder().base_url(...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot_id(self) -> int:
        return int(self.token.split(":")[0])

    @property
    def pid(self) -> int | None:
        """The emulator's process id while it runs (benchmarks read its CPU time)."""
        return self._process.pid if self._process is not None else None

    def start(self) -> Self:
        if self._process is not None:
            return self
        _npm_ci_once()
        node = shutil.which("node")
        if node is None:
            raise EmulatorError("node is not installed; the Telegram emulator needs Node.js >= 18")
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self._process = subprocess.Popen(
            [node, "server.js", "0"],
            cwd=EMULATOR_DIR,
            stdin=subprocess.PIPE,  # closed when we die, which stops the server
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env={**os.environ, "EMULATOR_EXIT_ON_STDIN_EOF": "1"},
        )
        try:
            self.port = self._read_ready_port()
        except BaseException:
            self.stop()
            raise
        return self

    def _read_ready_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            readable, _, _ = select.select([self._process.stdout], [], [], max(remaining, 0))
            chunk = os.read(self._process.stdout.fileno(), 1) if readable else b""
            if not chunk:
                raise EmulatorError(f"emulator did not report READY: {self._stderr_text()}")
            line += chunk
        word, _, port = line.decode().strip().partition(" ")
        if word != "READY" or not port.isdigit():
            raise EmulatorError(f"unexpected emulator output {line!r}: {self._stderr_text()}")
        return int(port)

    def _stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return str(self._stderr.read().decode(errors="replace"))

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._client = None
        self._logs.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose_client()
        await asyncio.to_thread(self.stop)

    async def aclose_client(self) -> None:
        """Close the HTTP client of the running loop (``stop()`` cannot await it)."""
        if self._client is not None and self._client_loop is asyncio.get_running_loop():
            await self._client.aclose()
        self._client = None

    async def request(self, path: str, payload: dict[str, Any]) -> Any:
        """POST JSON to one of the emulator's client endpoints and return its ``result``."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            # An httpx client belongs to one event loop; make a new one when the loop changes.
            self._client = httpx.AsyncClient(timeout=10.0, trust_env=False)
            self._client_loop = loop
        response = await self._client.post(f"{self.url}{path}", json=payload)
        body = response.json()
        if not isinstance(body, dict) or not body.get("ok"):
            raise EmulatorError(f"{path} failed ({response.status_code}): {body}")
        return body.get("result")

    async def send_update(self, update: dict[str, Any]) -> int:
        """Deliver a raw Bot API update (without update_id) to the bot; returns its update_id."""
        result = await self.request("/e2e/sendUpdate", {"token": self.token, "update": update})
        return int(result["update_id"])

    async def bot_events(self, after: int, timeout: float = 0.0) -> list[tuple[int, BotMessage]]:
        """Every bot event in any chat with an update id above ``after``, oldest first, as
        (update id, event) pairs; waits up to ``timeout`` seconds (below the client's 10) for
        the first. One long poll for many users (load generators); it moves no read position."""
        entries = await self.request("/e2e/botEvents", {"token": self.token, "after": after,
                                                        "timeout": round(timeout * 1000)})
        return [(int(entry["updateId"]), bot_message(entry)) for entry in entries]

    def _log(self, chat_id: int) -> _ChatLog:
        return self._logs.setdefault(chat_id, _ChatLog())

    async def _fetch(self, chat_id: int) -> _ChatLog:
        """Move the bot's unread events for ``chat_id`` from the emulator into the chat log."""
        log = self._log(chat_id)
        async with log.lock:  # keeps the order when several users of one chat poll at once
            entries = await self.request("/getUpdates", {"token": self.token, "chatId": chat_id})
            for entry in entries:
                log.add(bot_message(entry))
        return log


@dataclass(eq=False)
class TelegramUser:
    """A person talking to the bot; in a private chat unless ``chat_id``/``chat_type`` differ.

    Users of one chat share what the bot posted there, but each object has its own read
    position and only waits for messages the bot sent after the object was made.
    ``thread_id`` puts the user in a forum topic: sends go there and only its messages count.
    """

    emulator: Emulator
    user_id: int
    first_name: str = "Test"
    language_code: str | None = "en"
    chat_id: int | None = None  # None: the private chat, whose id is user_id
    chat_type: str = "private"
    chat_title: str | None = None
    is_forum: bool = False
    thread_id: int | None = None
    username: str | None = None
    _since: float = field(default_factory=time.time, init=False, repr=False)
    _replies_read: int = field(default=0, init=False, repr=False)
    _edits_read: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.chat_id is None:
            self.chat_id = self.user_id

    @classmethod
    def in_group(
        cls,
        emulator: Emulator,
        user_id: int,
        first_name: str,
        group_id: int,
        *,
        title: str = "Caseworkers",
        language_code: str | None = "de",
        forum: bool = True,
    ) -> TelegramUser:
        """A member of a group chat (a forum supergroup by default), e.g. a caseworker."""
        return cls(
            emulator,
            user_id,
            first_name,
            language_code,
            chat_id=group_id,
            chat_type="supergroup",
            chat_title=title,
            is_forum=forum,
        )

    def in_topic(self, thread_id: int) -> TelegramUser:
        """The same person, writing in and reading from one forum topic."""
        return dataclasses.replace(self, thread_id=thread_id)

    @property
    def chat(self) -> dict[str, Any]:
        assert self.chat_id is not None
        if self.chat_type == "private":
            chat: dict[str, Any] = {
                "id": self.chat_id,
                "type": "private",
                "first_name": self.first_name,
            }
            if self.username:
                chat["username"] = self.username
            return chat
        chat = {"id": self.chat_id, "type": self.chat_type, "title": self.chat_title or "Group"}
        if self.is_forum:
            chat["is_forum"] = True
        return chat

    @property
    def user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        if self.username:
            user["username"] = self.username
        return user

    def _message(self, fields: dict[str, Any]) -> dict[str, Any]:
        message = {
            "botToken": self.emulator.token,
            "from": self.user,
            "chat": self.chat,
            "date": int(time.time()),
        }
        if self.thread_id is not None:
            message |= {"message_thread_id": self.thread_id, "is_topic_message": True}
        return message | fields

    async def _send(self, path: str, fields: dict[str, Any]) -> int:
        result = await self.emulator.request(path, self._message(fields))
        return int(result["message_id"])

    async def send_text(self, text: str, **fields: Any) -> int:
        """Send a text message; ``fields`` adds raw Message fields. Returns its message_id."""
        return await self._send("/sendMessage", {"text": text, **fields})

    async def send_command(
        self, command: str, args: str | Sequence[str] | None = None, **fields: Any
    ) -> int:
        """Send ``/command [args]`` with its bot_command entity. Returns its message_id."""
        command = command if command.startswith("/") else f"/{command}"
        rest = args if isinstance(args, str) else " ".join(args or ())
        text = f"{command} {rest}" if rest else command
        entity = {"type": "bot_command", "offset": 0, "length": len(command)}
        return await self._send("/sendCommand", {"text": text, "entities": [entity], **fields})

    async def send_location(self, latitude: float, longitude: float, **fields: Any) -> int:
        return await self._send(
            "/sendMessage", {"location": {"latitude": latitude, "longitude": longitude}, **fields}
        )

    async def send_raw(self, message_fields: dict[str, Any]) -> int:
        """Send a message made of these fields (voice, photo, sticker...) plus from/chat/date."""
        return await self._send("/sendMessage", message_fields)

    async def press(self, label: str) -> None:
        """Press the button whose text or callback_data is ``label`` in the newest bot message
        (current state, after edits) carrying it. A reply-keyboard button sends its text."""
        log = await self.emulator._fetch(self._chat_id)
        for event in reversed(log.events):
            message = log.current.get(event["message_id"])
            if event["kind"] != "message" or message is None or not self._in_view(message):
                continue
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if label in (button.get("text"), button.get("callback_data")):
                        if "callback_data" not in button:
                            raise LookupError(f"button {label!r} has no callback_data: {button}")
                        await self.emulator.request(
                            "/sendCallback",
                            {
                                "botToken": self.emulator.token,
                                "from": self.user,
                                "message": {"message_id": message["message_id"], "chat": self.chat},
                                "data": button["callback_data"],
                            },
                        )
                        return
            for row in markup.get("keyboard", []):
                for button in row:
                    text = button if isinstance(button, str) else button.get("text")
                    if text == label:
                        await self.send_text(label)
                        return
        raise LookupError(
            f"no button {label!r} in chat {self.chat_id}; buttons: {self._buttons(log)}"
        )

    async def wait_for_replies(self, n: int = 1, timeout: float = 10.0) -> list[BotMessage]:
        """Wait until the bot sent ``n`` new messages to this chat (topic) and return them."""

        def ready() -> list[BotMessage] | None:
            found = self._unread(self._replies_read, "message")
            if len(found) < n:
                return None
            self._replies_read = found[n - 1][0] + 1
            return [event for _, event in found[:n]]

        return await self._until(ready, timeout, f"{n} new bot message(s)")

    async def wait_for_edit(
        self, message_id: int | None = None, timeout: float = 10.0
    ) -> BotMessage:
        """Wait for the bot's next edit (of ``message_id`` if given); returns the new state."""

        def ready() -> BotMessage | None:
            for index, event in self._unread(self._edits_read, "edit"):
                if message_id is None or event["message_id"] == message_id:
                    self._edits_read = index + 1
                    return event
            return None

        return await self._until(ready, timeout, f"an edit of message {message_id or 'any'}")

    async def drain(self) -> list[BotMessage]:
        """Return the new messages that arrived so far, without waiting."""
        await self.emulator._fetch(self._chat_id)
        found = self._unread(self._replies_read, "message")
        if found:
            self._replies_read = found[-1][0] + 1
        return [event for _, event in found]

    async def assert_no_reply(self, within: float = 0.5) -> None:
        """Fail if the bot sends a new message here within ``within`` seconds.

        Absence cannot be polled for, so this is the one call that waits its whole duration."""
        deadline = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < deadline:
            if unexpected := await self.drain():
                raise AssertionError(
                    f"unexpected bot message(s) in chat {self.chat_id}: {unexpected}"
                )
            await asyncio.sleep(POLL_INTERVAL)

    def message(self, message_id: int) -> BotMessage | None:
        """The latest known state of a bot message in this chat (None if deleted or unseen)."""
        return self.emulator._log(self._chat_id).current.get(message_id)

    async def join(self) -> None:
        """Make getChatMember report this user as a member of the group before they post."""
        await self.emulator.request(
            "/e2e/chatMember", {"chat": self.chat, "user": self.user, "status": "member"}
        )

    async def leave(self) -> None:
        await self.emulator.request(
            "/e2e/chatMember", {"chat": self.chat, "user": self.user, "status": "left"}
        )

    @property
    def _chat_id(self) -> int:
        assert self.chat_id is not None
        return self.chat_id

    def _in_view(self, event: BotMessage) -> bool:
        return self.thread_id is None or event.get("message_thread_id") == self.thread_id

    def _unread(self, start: int, kind: str) -> list[tuple[int, BotMessage]]:
        events = self.emulator._log(self._chat_id).events
        return [
            (index, events[index])
            for index in range(start, len(events))
            if events[index]["kind"] == kind
            and events[index]["time"] >= self._since
            and self._in_view(events[index])
        ]

    def _buttons(self, log: _ChatLog) -> list[str]:
        markups = [m.get("reply_markup") or {} for m in log.current.values() if self._in_view(m)]
        return [
            str(button.get("text") if isinstance(button, dict) else button)
            for markup in markups
            for row in markup.get("inline_keyboard", []) + markup.get("keyboard", [])
            for button in row
        ]

    async def _until(self, ready: Callable[[], T | None], timeout: float, what: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await self.emulator._fetch(self._chat_id)
            if (result := ready()) is not None:
                return result
            if loop.time() >= deadline:
                seen = [
                    (e["kind"], e["message_id"], e.get("plain_text"))
                    for e in self.emulator._log(self._chat_id).events
                ]
                raise TimeoutError(
                    f"no {what} in chat {self.chat_id} within {timeout}s; chat log: {seen}"
                )
            await asyncio.sleep(POLL_INTERVAL)


__all__ = [
    "DEFAULT_TOKEN",
    "EMULATOR_DIR",
    "BotMessage",
    "Emulator",
    "EmulatorError",
    "TelegramUser",
]
