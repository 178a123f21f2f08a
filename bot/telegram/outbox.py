"""Sends what the outbox holds (storage/outbox.py), in order per chat, and marks it sent.

Exactly once, and where it cannot be: each row is committed `sending` before its Bot API call
and `sent` (with the message id) after. A restart finds three kinds of rows: pending (never
tried: sent now, once), sent (never again), and `sending` — the process died during the call,
which Telegram may or may not have carried out. The Bot API has no idempotency key and no way
to ask, so such a row is sent again, labelled as a possible repeat: for people who may be in
danger a repeated message is the lesser harm than a lost one. That window is one HTTP round trip
per chat; pacing happens before a row is marked, so a wait for the rate limit never widens it.

The caseworker group takes ~20 messages a minute: its rows wait in the database, in order,
under a limiter of our own; `RetryAfter` puts a row back for as long as Telegram asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from html import escape

from aiolimiter import AsyncLimiter
from telegram import Bot, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from actions import Button, Reply
from bot.telegram.render import keyboard, parts, to_html
from storage import Database, StorageUnavailable
from storage.outbox import (
    ORPHANED,
    OutboxRow,
    Sending,
    begin_send,
    finish_sent,
    give_up,
    prune_outbox,
    recover_sending,
    retry_later,
    set_thread,
    unsent,
)

logger = logging.getLogger(__name__)
IDLE = 1.0  # seconds between two looks at the outbox when nothing wakes the sender
GROUP_PER_MINUTE = 20  # Telegram's limit for one group
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
PRUNE_EVERY = 3600.0


def _backoff(attempts: int) -> float:
    return float(min(300, 2 ** min(attempts, 9)))


def _group_closed(error: TelegramError) -> bool:
    """The bot cannot post in the group at all (not in it, no rights): worth waiting for."""
    text = error.message.lower()
    return isinstance(error, Forbidden) or "chat not found" in text or "rights" in text


def _seconds(value: int | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class OutboxSender:
    """One sender per process. `exclusive`: the only process sending (polling), so rows left
    `sending` by a previous run are recovered at once rather than after ORPHANED."""

    def __init__(self, bot: Bot, db: Database, exclusive: bool = True,
                 group_per_minute: int = GROUP_PER_MINUTE) -> None:
        self.bot, self.db, self.exclusive = bot, db, exclusive
        self.group_per_minute = group_per_minute
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._limiters: dict[int, AsyncLimiter] = {}
        self._forum: dict[int, bool] = {}  # group -> whether it has topics (learnt by trying)
        self._pruned = 0.0

    def wake(self) -> None:
        """Something was written to the outbox: look now."""
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self, timeout: float = 15.0) -> None:
        """Send what is due and allowed now (never cut a call in two), then stop; the rest
        waits in the database for the next run."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout)
            except TimeoutError:
                logger.warning("The outbox sender did not stop in time")

    async def _run(self) -> None:
        recovered = await asyncio.to_thread(recover_sending, self.db,
                                            None if self.exclusive else ORPHANED)
        if recovered:
            logger.warning("Outbox: %d messages were being sent when the bot stopped; sending "
                           "them again, marked as possible repeats", recovered)
        while True:
            self._wake.clear()
            stopping = self._stopping.is_set()  # then this is the last pass
            try:
                await self.send_due()
                if time.monotonic() - self._pruned > PRUNE_EVERY:
                    self._pruned = time.monotonic()
                    await asyncio.to_thread(prune_outbox, self.db)
            except StorageUnavailable:
                logger.warning("Outbox unavailable: database unavailable; retrying")
            if stopping:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE)

    async def send_due(self) -> int:
        """Send every row that is due, each chat's in order; returns how many were sent."""
        rows = await asyncio.to_thread(unsent, self.db)
        now = dt.datetime.now(dt.UTC)
        lanes: dict[int, list[OutboxRow]] = {}
        held: set[int] = set()  # chats whose next row must go first but cannot yet
        for row in rows:
            if row.chat_id in held:
                continue
            if row.state == "sending" or row.next_attempt_at > now:
                held.add(row.chat_id)
                continue
            lanes.setdefault(row.chat_id, []).append(row)
        sent = await asyncio.gather(*(self._lane(lane) for lane in lanes.values()))
        return sum(sent)

    async def _lane(self, rows: list[OutboxRow]) -> int:
        sent = 0
        for row in rows:
            if not await self._send(row):
                break
            sent += 1
        return sent

    def _limiter(self, chat_id: int) -> AsyncLimiter | None:
        if chat_id >= 0:  # private chats: Telegram's overall limit (PTB's limiter) is enough
            return None
        if chat_id not in self._limiters:
            self._limiters[chat_id] = AsyncLimiter(self.group_per_minute, 60)
        return self._limiters[chat_id]

    async def _send(self, row: OutboxRow) -> bool:
        """Send one row; False when the chat's later rows must wait (it will be retried)."""
        limiter = self._limiter(row.chat_id)
        if limiter is not None and row.kind in ("text", "copy"):
            if self._stopping.is_set() and not limiter.has_capacity():
                return False  # stopping: what must wait for the limit waits for the next run
            await limiter.acquire()
        sending = await asyncio.to_thread(begin_send, self.db, row.id)
        if sending is None:  # another sender has it, or its ticket was forgotten
            return True
        attempt = row.attempts + 1
        try:
            message_id = await self._deliver(sending)
        except RetryAfter as error:
            await self._later(row, _seconds(error.retry_after) + 0.5, uncertain=False)
            return False
        except (Forbidden, BadRequest) as error:
            if row.chat_id < 0 and row.kind in ("text", "copy") and _group_closed(error):
                logger.error("Outbox: cannot post in the caseworker group (%s); check "
                             "CASEWORKER_CHAT_ID and the bot's rights there", error.message[:80])
                await self._later(row, 60.0, uncertain=False)  # kept until it can go
                return False
            logger.warning("Outbox: gave up a %s message (%s: %s)", row.purpose,
                           type(error).__name__, error.message[:80])
            await asyncio.to_thread(give_up, self.db, row.id)
            return True
        except ChatMigrated:
            logger.error("Outbox: the group became a supergroup; update CASEWORKER_CHAT_ID")
            await self._later(row, 60.0, uncertain=False)
            return False
        except TimedOut:
            await self._later(row, _backoff(attempt), uncertain=True)
            return False
        except (NetworkError, TelegramError) as error:
            sure_not_sent = "ConnectError" in str(error)
            logger.warning("Outbox: sending failed (%s); retrying", type(error).__name__)
            await self._later(row, _backoff(attempt), uncertain=not sure_not_sent)
            return False
        await asyncio.to_thread(finish_sent, self.db, row.id, message_id)
        return True

    async def _later(self, row: OutboxRow, delay: float, uncertain: bool) -> None:
        await asyncio.to_thread(retry_later, self.db, row.id, delay, uncertain)

    async def _deliver(self, sending: Sending) -> int | None:
        row, data = sending.row, sending.row.payload
        thread = sending.thread_id
        if sending.needs_topic:
            thread = await self._topic_for(row)
        reply_to = data.get("reply_to") or (None if thread else sending.reply_to)
        replying = ReplyParameters(reply_to, allow_sending_without_reply=True) \
            if reply_to else None
        note = data.get("repeat_note") if row.uncertain else None
        if row.kind == "text":
            return await self._text(row, thread, replying, note)
        if row.kind == "copy":
            if note:
                await self.bot.send_message(row.chat_id, f"<i>{escape(note)}</i>",
                                            parse_mode=ParseMode.HTML, message_thread_id=thread)
            try:
                copied = await self.bot.copy_message(
                    row.chat_id, data["from_chat_id"], data["message_id"],
                    caption=data.get("caption"), message_thread_id=thread,
                    reply_parameters=replying)
            except BadRequest:  # this kind of message cannot be copied: say what it was
                if not data.get("fallback"):
                    raise
                fallback = await self.bot.send_message(
                    row.chat_id, escape(data["fallback"]), parse_mode=ParseMode.HTML,
                    message_thread_id=thread, reply_parameters=replying)
                return fallback.message_id
            return copied.message_id
        if row.kind == "delete":
            await self.bot.delete_message(row.chat_id, data["message_id"])
        elif row.kind == "delete_topic" and row.thread_id:
            await self.bot.delete_forum_topic(row.chat_id, row.thread_id)
        elif row.kind == "close_topic" and row.thread_id:
            await self.bot.close_forum_topic(row.chat_id, row.thread_id)
        return None

    async def _text(self, row: OutboxRow, thread: int | None,
                    replying: ReplyParameters | None, note: str | None) -> int:
        data = row.payload
        reply = Reply(text=data.get("text") or "", title=data.get("title"),
                      buttons=tuple(tuple(Button(label, action) for label, action in line)
                                    for line in data.get("buttons") or ()))
        html = to_html(reply) + (f"\n\n<i>{escape(note)}</i>" if note else "")
        chunks = parts(html)
        first: int | None = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            message = await self.bot.send_message(
                row.chat_id, chunk, parse_mode=ParseMode.HTML, message_thread_id=thread,
                reply_parameters=replying if index == 0 else None,
                reply_markup=keyboard(reply) if last else None, link_preview_options=NO_PREVIEW)
            first = message.message_id if first is None else first
        assert first is not None
        return first

    async def _topic_for(self, row: OutboxRow) -> int | None:
        """A forum topic for a new card; None (reply threading) where the group has no topics."""
        if self._forum.get(row.chat_id) is False or row.ticket_id is None:
            return None
        try:
            topic = await self.bot.create_forum_topic(row.chat_id,
                                                      row.payload.get("topic_name") or "#")
        except (BadRequest, Forbidden) as error:
            logger.info("The caseworker group has no topics (%s): threading by reply",
                        type(error).__name__)
            self._forum[row.chat_id] = False
            return None
        self._forum[row.chat_id] = True
        await asyncio.to_thread(set_thread, self.db, row.ticket_id, topic.message_thread_id)
        return topic.message_thread_id
