"""Simulated Telegram users for the load benchmark, talking to the bot through the emulator.

Each user is onboarded first (/start, then a language button), then talks in a closed loop:
ask, wait for the bot's answer, think, ask again. One long poll of the emulator's
/e2e/botEvents reads what the bot sends to every chat and files it under its chat, so hundreds
of users cost one request at a time rather than one poll each; questions and the long poll go
through a lean HTTP client (bench/wire.py), so that the users take little of the machine.

Every answer to a question ends with a message carrying the menu button (actions/buttons.py;
before it may come emergency numbers, a notice, the parts of a long answer). A user waits for
that message, thinks, and asks again; whatever the bot sent to the chat meanwhile belongs to the
same question. A second message with the menu button for the same question means the question
was answered twice: a duplicated answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType

from bench.wire import JsonClient
from tests.emulator.harness import BotMessage, Emulator, EmulatorError, TelegramUser, bot_message

ANSWER_TIMEOUT = 10.0  # seconds without the first message of an answer: the question is lost
QUIET = 2.0  # seconds without a further message: an answer without the menu button is complete
MENU = "menu"  # the callback data of the menu button, on the last message of every answer
SETTLE = 1.0  # seconds to keep listening after the last question, for late duplicates
LONG_POLL = 5.0  # seconds one bot_events request waits for news (below the client's 10)
# Seconds between two reads of the bot's events, so that each read brings several: latencies
# use the emulator's own clock, so this only delays a user's next question a little.
READ_GAP = 0.02


@dataclass
class Question:
    """One message a user sent, and what the bot answered to it."""

    chat_id: int
    text: str
    sent_at: float  # Unix seconds, just before the message left the user
    answered_at: float | None = None  # when the emulator recorded the answer's first message
    messages: list[BotMessage] = field(default_factory=list)

    @property
    def latency(self) -> float | None:
        return None if self.answered_at is None else self.answered_at - self.sent_at

    @property
    def complete(self) -> bool:
        return any(_ends_answer(message) for message in self.messages)

    @property
    def duplicates(self) -> int:
        """Answers beyond the first that the bot sent to this question."""
        return max(0, sum(_ends_answer(message) for message in self.messages) - 1)


class Mailboxes:
    """Reads every bot event with one long poll and queues it under its chat id."""

    def __init__(self, emulator: Emulator, wire: JsonClient) -> None:
        self.emulator, self.wire = emulator, wire
        self._boxes: dict[int, asyncio.Queue[BotMessage]] = {}
        self._after = 0
        self._task: asyncio.Task[None] | None = None

    def box(self, chat_id: int) -> asyncio.Queue[BotMessage]:
        return self._boxes.setdefault(chat_id, asyncio.Queue())

    async def __aenter__(self) -> Mailboxes:
        earlier = await self.emulator.bot_events(after=0)
        self._after = earlier[-1][0] if earlier else 0
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                entries = await self.wire.post("/e2e/botEvents", {
                    "token": self.emulator.token, "after": self._after,
                    "timeout": round(LONG_POLL * 1000)})
            except (EmulatorError, OSError, TimeoutError, asyncio.IncompleteReadError):
                await asyncio.sleep(0.1)
                continue
            for entry in entries:
                self._after = int(entry["updateId"])
                event = bot_message(entry)
                self.box(event["chat_id"]).put_nowait(event)
            await asyncio.sleep(READ_GAP)


@dataclass
class SimulatedUser:
    """A person in a private chat with the bot, asking questions in one language."""

    telegram: TelegramUser
    lang: str
    questions: Iterator[str]
    box: asyncio.Queue[BotMessage]
    wire: JsonClient

    @property
    def chat_id(self) -> int:
        return self.telegram.user_id

    async def send_text(self, text: str) -> None:
        """What `TelegramUser.send_text` does, through the lean client."""
        await self.wire.post("/sendMessage", {
            "botToken": self.telegram.emulator.token, "from": self.telegram.user,
            "chat": self.telegram.chat, "date": int(time.time()), "text": text})


async def _next(box: asyncio.Queue[BotMessage], kind: str, timeout: float) -> BotMessage:
    """The chat's next event of `kind` (events of other kinds are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        event = await asyncio.wait_for(box.get(), max(0.0, deadline - time.monotonic()))
        if event["kind"] == kind:
            return event


def _callbacks(message: BotMessage) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [str(button["callback_data"]) for row in rows for button in row
            if "callback_data" in button]


def _ends_answer(message: BotMessage) -> bool:
    return MENU in _callbacks(message)


async def _press(user: SimulatedUser, message: BotMessage, data: str) -> None:
    await user.telegram.emulator.request("/sendCallback", {
        "botToken": user.telegram.emulator.token, "from": user.telegram.user,
        "message": {"message_id": message["message_id"], "chat": user.telegram.chat},
        "data": data})


async def onboard(user: SimulatedUser, timeout: float = 60.0) -> None:
    """/start, the user's language button, and the first city if the bot asks for one."""
    await user.telegram.send_command("/start")
    picker = await _next(user.box, "message", timeout)
    await _press(user, picker, f"lang:{user.lang}")
    shown = await _next(user.box, "edit", timeout)
    cities = [data for data in _callbacks(shown) if data.startswith("city:")]
    if cities:
        await _press(user, shown, cities[0])
        await _next(user.box, "edit", timeout)


def _drain(box: asyncio.Queue[BotMessage], into: Question) -> None:
    while not box.empty():
        event = box.get_nowait()
        if event["kind"] == "message":
            into.messages.append(event)


async def converse(user: SimulatedUser, until: float, think: tuple[float, float],
                   ramp: float) -> list[Question]:
    """Ask, wait for the answer, think, ask again, until the monotonic time `until`. The first
    question comes at a random moment within `ramp`, so that users do not start in step. A
    user whose question went unanswered stops (a late answer would be taken for the next)."""
    rng = random.Random(user.chat_id)
    asked: list[Question] = []
    await asyncio.sleep(rng.uniform(0, ramp))
    while time.monotonic() < until:
        question = Question(user.chat_id, next(user.questions), time.time())
        asked.append(question)
        await user.send_text(question.text)
        try:
            first = await _next(user.box, "message", ANSWER_TIMEOUT)
        except TimeoutError:
            break
        question.answered_at = first["time"]
        question.messages.append(first)
        while not question.complete:  # the rest of the answer
            try:
                question.messages.append(await _next(user.box, "message", QUIET))
            except TimeoutError:
                break
        await asyncio.sleep(rng.uniform(*think))
        _drain(user.box, question)
    return asked


async def settle(users: list[SimulatedUser], asked: list[list[Question]]) -> None:
    """After the last question: listen a little longer and file late messages (duplicates,
    or answers of lost questions) under each user's last question."""
    await asyncio.sleep(SETTLE)
    for user, questions in zip(users, asked, strict=True):
        if questions:
            _drain(user.box, questions[-1])
