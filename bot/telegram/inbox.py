"""The durable inbox (DESIGN.md §8): nothing a person or a caseworker sends is lost, even to
`kill -9`.

PTB's own updater confirms updates to Telegram (the next getUpdates offset) as soon as they are
in its memory. Here instead: getUpdates -> the updates are committed to `inbox_updates` ->
only then does the offset move on. A crash before the commit: Telegram sends them again. After
it: they are in the database. The webhook stores its update the same way before answering 200.

Stored updates are then handed to `Application.process_update`, one chat after the other in
order (different chats in parallel), and marked processed. Handlers whose effects must happen
once (the handoff) mark their update processed inside their own transaction, so a crash between
their commit and this loop's mark does not run them again; other answers may, at worst, be sent
twice after a crash — a repeated answer, never a lost message.

Database round trips per update: the commit that stores it also leases it to this process,
which handles it at once (no second read); marks are committed together a few times a second.
A loop looks for what waits in the database (a previous run's leftovers, failed updates whose
lease ran out, another replica's) at start and every second.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from telegram import Update
from telegram.error import NetworkError, TelegramError, TimedOut

from bot.telegram.outage import WaitNotice
from storage import Database, StorageUnavailable
from storage.inbox import (
    StoredUpdate,
    lease_pending,
    mark_all_processed,
    prune_inbox,
    release_leases,
    store_and_lease,
)

logger = logging.getLogger(__name__)
POLL_INTERVAL = 0.05  # seconds between two getUpdates that came back empty at once
POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates open while nothing happens
IDLE = 1.0  # seconds between two looks at the inbox for updates waiting there
MARK_EVERY = 0.05  # seconds handled updates wait to be marked together
MAX_ATTEMPTS = 5  # an update that breaks the bot this often is dropped (logged)
PARALLEL = 8  # updates of different chats handled at once
MAX_STORE_WAIT = 5.0  # seconds between two tries to store while the database is down
PRUNE_EVERY = 3600.0
App = Any  # telegram.ext.Application, generic in six parameters


def _chat_of(update: Update) -> int:
    """Updates of one chat are handled in order; 0 for those without a chat."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else 0


class Inbox:
    """Stores updates (from getUpdates or the webhook) and feeds them to the Application.
    `exclusive`: the only process reading this inbox (polling), so leases left by a previous
    run are released at start instead of waiting for them to expire. `notice` tells people
    whose updates cannot be stored (the database is down) that they will be answered later."""

    def __init__(self, application: App, db: Database, exclusive: bool = True,
                 poll_interval: float = POLL_INTERVAL, poll_timeout: int = POLL_TIMEOUT,
                 notice: WaitNotice | None = None) -> None:
        self.application, self.db, self.exclusive = application, db, exclusive
        self.notice = notice
        self.poll_interval, self.poll_timeout = poll_interval, poll_timeout
        self._kick = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._chains: dict[int, asyncio.Task[None]] = {}
        self._in_flight: set[int] = set()
        self._unmarked: set[int] = set()  # handled, not yet marked in the database
        self._parallel = asyncio.Semaphore(PARALLEL)
        self._pruned = 0.0

    async def start(self, polling: bool) -> None:
        """Handle what the inbox holds (a previous run's leftovers first); with `polling`,
        fetch new updates with getUpdates too."""
        if self.exclusive:
            await asyncio.to_thread(release_leases, self.db)
        await self._settle(lease=True)  # leftovers before anything new
        if polling:
            with contextlib.suppress(TelegramError):  # polling and a webhook exclude each other
                await self.application.bot.delete_webhook(drop_pending_updates=False)
            self._tasks["fetch"] = asyncio.create_task(self._fetch_loop())
        self._tasks["process"] = asyncio.create_task(self._process_loop())

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop fetching, finish the updates in hand (what is left waits in the database)."""
        self._stopping.set()
        self._kick.set()
        fetch = self._tasks.pop("fetch", None)
        if fetch is not None:
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await fetch
        process = self._tasks.pop("process", None)
        if process is not None:
            try:
                await asyncio.wait_for(process, timeout)
            except TimeoutError:
                logger.warning("Stopped with updates still in hand; they run at the next start")

    async def accept(self, data: dict[str, Any]) -> None:
        """The webhook's update: stored (StorageUnavailable propagates: answer 5xx so Telegram
        retries), then handled from the inbox."""
        update_id = data.get("update_id")
        if not isinstance(update_id, int):
            raise ValueError("not an update")
        try:
            new = await asyncio.to_thread(store_and_lease, self.db,
                                          [(update_id, json.dumps(data, ensure_ascii=False))])
        except StorageUnavailable:
            with contextlib.suppress(Exception):  # an update we cannot read is told nothing
                await self._tell_waiting([Update.de_json(data, self.application.bot)])
            raise
        self._stored()
        if new:
            self._schedule_raw(update_id, data, attempts=1)

    async def _fetch_loop(self) -> None:
        offset: int | None = None
        failures = storage_failures = 0
        while not self._stopping.is_set():
            try:
                updates = await self.application.bot.get_updates(
                    offset=offset, timeout=self.poll_timeout, allowed_updates=Update.ALL_TYPES)
                failures = 0
            except TimedOut:
                continue
            except (NetworkError, TelegramError) as error:
                failures += 1
                logger.warning("getUpdates failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(min(30.0, 0.5 * 2 ** min(failures, 6)))
                continue
            if not updates:
                await asyncio.sleep(self.poll_interval)
                continue
            if not await self._store(updates):
                # The offset waits, so Telegram keeps them: the next getUpdates brings them
                # again, with whatever came meanwhile.
                storage_failures += 1
                await asyncio.sleep(min(MAX_STORE_WAIT, 0.25 * 2 ** min(storage_failures, 5)))
                continue
            storage_failures = 0
            offset = max(update.update_id for update in updates) + 1  # only now: confirmed

    async def _store(self, updates: list[Update]) -> bool:
        """Commit fetched updates; False (and their senders told) while the database is down."""
        rows = [(update.update_id, json.dumps(update.to_dict(), ensure_ascii=False))
                for update in updates]
        try:
            new = await asyncio.to_thread(store_and_lease, self.db, rows)
        except StorageUnavailable:
            logger.warning("Cannot store updates: database unavailable; they wait at Telegram")
            await self._tell_waiting(updates)
            return False
        self._stored()
        for update in updates:  # leased to us by the same commit: handled at once
            if update.update_id in new:
                self._start(update)
        return True

    async def _tell_waiting(self, updates: list[Update]) -> None:
        if self.notice is not None:
            await self.notice.tell(updates)

    def _stored(self) -> None:
        if self.notice is not None:
            self.notice.over()

    async def _process_loop(self) -> None:
        looked = time.monotonic()
        while True:
            self._kick.clear()
            due = time.monotonic() - looked >= IDLE and not self._stopping.is_set()
            await self._settle(lease=due)
            looked = time.monotonic() if due else looked
            if self._stopping.is_set() and not self._chains:
                if self._unmarked:  # the last ones finished during that pass
                    await self._settle(lease=False)
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), MARK_EVERY if self._unmarked else IDLE)

    async def _settle(self, lease: bool) -> None:
        """Mark what was handled; with `lease`, take what waits in the database."""
        stored: list[StoredUpdate] = []
        try:
            if self._unmarked:
                done = set(self._unmarked)
                await asyncio.to_thread(mark_all_processed, self.db, done)
                self._unmarked -= done
            if lease:
                stored = await asyncio.to_thread(lease_pending, self.db)
            if time.monotonic() - self._pruned > PRUNE_EVERY:
                self._pruned = time.monotonic()
                await asyncio.to_thread(prune_inbox, self.db)
        except StorageUnavailable:
            logger.warning("Inbox unavailable: database unavailable; retrying")
            return
        for row in stored:
            if row.update_id not in self._in_flight and row.update_id not in self._unmarked:
                self._schedule_raw(row.update_id, row.raw, row.attempts)

    def _schedule_raw(self, update_id: int, raw: str | dict[str, Any], attempts: int) -> None:
        """Handle a stored update (its JSON, or the webhook's data as parsed)."""
        try:
            update = Update.de_json(json.loads(raw) if isinstance(raw, str) else raw,
                                    self.application.bot)
            if not isinstance(update, Update):
                raise ValueError("not an update")
        except Exception as error:  # not an update we can read: never retried
            logger.error("Dropped an unreadable update (%s)", type(error).__name__)
            self._handled(update_id)
            return
        if attempts > MAX_ATTEMPTS:
            logger.error("Dropped an update that failed %d times", MAX_ATTEMPTS)
            self._handled(update_id)
            return
        self._start(update)

    def _start(self, update: Update) -> None:
        chat = _chat_of(update)
        previous = self._chains.get(chat)
        self._in_flight.add(update.update_id)
        self._chains[chat] = asyncio.create_task(self._handle(update, chat, previous))

    async def _handle(self, update: Update, chat: int,
                      previous: asyncio.Task[None] | None) -> None:
        """After the chat's previous update: handle this one, then have it marked processed."""
        if previous is not None:
            await asyncio.wait([previous])
        try:
            async with self._parallel:
                await self.application.process_update(update)
            self._handled(update.update_id)
        except Exception as error:  # PTB hands handler errors to the error handler itself
            logger.error("Could not handle an update (%s)", type(error).__name__)
        finally:
            self._in_flight.discard(update.update_id)
            if self._chains.get(chat) is asyncio.current_task():
                del self._chains[chat]
            if self._stopping.is_set():
                self._kick.set()  # the loop ends (after the last marks) once nothing runs

    def _handled(self, update_id: int) -> None:
        """To be marked processed with the others handled within MARK_EVERY."""
        if not self._unmarked:
            asyncio.get_running_loop().call_later(MARK_EVERY, self._kick.set)
        self._unmarked.add(update_id)
