"""The durable inbox and the outbox below the Bot API, with fake bots: updates are stored before
the getUpdates offset moves on and handled once, in order per chat; owed messages are sent in
order per chat, once, a row left mid-call by a crash is sent again marked as a possible repeat,
and RetryAfter is respected — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from itertools import count
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.telegram import inbox as inbox_module
from bot.telegram.inbox import Inbox
from bot.telegram.outbox import OutboxSender
from storage import Database, StorageUnavailable
from storage.handoff import add_thread
from storage.inbox import (
    is_processed,
    lease_pending,
    pending_count,
    prune_inbox,
    store_updates,
    take_in,
)
from storage.models import InboxUpdate, utcnow
from storage.outbox import begin_send, enqueue, state_counts, unsent
from storage.tickets import open_ticket

GROUP = -100_777


class Sent:
    def __init__(self, message_id: int, thread: int | None = None) -> None:
        self.message_id = message_id
        self.message_thread_id = thread


class FakeBot:
    """Records Bot API calls; `failures[chat]` are raised by that chat's next calls."""

    def __init__(self, forum: bool = True) -> None:
        self.calls: list[tuple[str, int, dict[str, Any]]] = []
        self.failures: dict[int, list[Exception]] = {}
        self.forum = forum
        self._ids = count(900)

    def _call(self, method: str, chat_id: int, **fields: Any) -> Sent:
        if self.failures.get(chat_id):
            raise self.failures[chat_id].pop(0)
        self.calls.append((method, chat_id, fields))
        return Sent(next(self._ids))

    async def send_message(self, chat_id: int, text: str, **fields: Any) -> Sent:
        return self._call("send", chat_id, text=text, **fields)

    async def copy_message(self, chat_id: int, from_chat_id: int, message_id: int,
                           **fields: Any) -> Sent:
        return self._call("copy", chat_id, source=(from_chat_id, message_id), **fields)

    async def create_forum_topic(self, chat_id: int, name: str) -> Sent:
        if not self.forum:
            raise BadRequest("the chat is not a forum")
        sent = self._call("topic", chat_id, name=name)
        return Sent(sent.message_id, thread=sent.message_id)

    async def delete_message(self, chat_id: int, message_id: int) -> bool:
        self._call("delete", chat_id, message_id=message_id)
        return True


def text_row(db: Database, chat_id: int, text: str, **fields: Any) -> None:
    with db.session() as session:
        enqueue(session, chat_id, "text", {"text": text, "title": None, "buttons": [],
                                           "repeat_note": "(maybe a repeat)"}, **fields)


def texts(bot: FakeBot, chat_id: int) -> list[str]:
    return [fields["text"] for method, chat, fields in bot.calls
            if method == "send" and chat == chat_id]


async def test_owed_messages_go_in_order_per_chat_once_and_leave_no_text(db: Database) -> None:
    for n in range(3):
        text_row(db, 11, f"to eleven {n}")
        text_row(db, 12, f"to twelve {n}")
    bot = FakeBot()
    first, second = OutboxSender(bot, db), OutboxSender(bot, db)  # two senders at once
    await asyncio.gather(first.send_due(), second.send_due())
    assert texts(bot, 11) == ["to eleven 0", "to eleven 1", "to eleven 2"]
    assert texts(bot, 12) == ["to twelve 0", "to twelve 1", "to twelve 2"]
    assert state_counts(db) == {"sent": 6}
    assert await first.send_due() == 0 and len(bot.calls) == 6
    assert all(row.payload == {} for row in unsent(db))


async def test_a_card_opens_its_topic_and_what_follows_goes_into_it(db: Database) -> None:
    ticket = open_ticket(db, "key", 5, "uk", "berlin", "services.housing")
    with db.session() as session:
        add_thread(session, ticket.id, GROUP, consented=True)
        enqueue(session, GROUP, "text", {"text": "card", "topic_name": "#1 · uk"},
                ticket_id=ticket.id, purpose="card")
        enqueue(session, GROUP, "text", {"text": "relay"}, ticket_id=ticket.id, purpose="relay")
    bot = FakeBot()
    await OutboxSender(bot, db).send_due()
    (topic, _, named), (_, _, card), (_, _, relay) = bot.calls
    assert topic == "topic" and named["name"] == "#1 · uk"
    assert card["message_thread_id"] == relay["message_thread_id"] == 900


async def test_without_topics_what_follows_replies_to_the_card(db: Database) -> None:
    ticket = open_ticket(db, "key", 5, "uk", "berlin", "services.housing")
    with db.session() as session:
        add_thread(session, ticket.id, GROUP, consented=True)
        enqueue(session, GROUP, "text", {"text": "card"}, ticket_id=ticket.id, purpose="card")
        enqueue(session, GROUP, "text", {"text": "relay"}, ticket_id=ticket.id, purpose="relay")
    bot = FakeBot(forum=False)
    await OutboxSender(bot, db).send_due()
    (_, _, card), (_, _, relay) = bot.calls
    assert card["message_thread_id"] is None and card["reply_parameters"] is None
    assert relay["reply_parameters"].message_id == 900  # the card's id


async def test_retry_after_holds_the_chat_back_and_keeps_its_order(db: Database) -> None:
    text_row(db, 11, "first")
    text_row(db, 11, "second")
    text_row(db, 12, "elsewhere")
    bot = FakeBot()
    bot.failures[11] = [RetryAfter(30)]
    await OutboxSender(bot, db).send_due()
    assert texts(bot, 11) == [] and texts(bot, 12) == ["elsewhere"]
    [first, second] = unsent(db)
    assert first.next_attempt_at > utcnow() + dt.timedelta(seconds=29)
    assert (first.state, second.state, first.uncertain) == ("pending", "pending", False)


async def test_a_row_a_crash_left_mid_call_is_sent_again_marked_as_a_possible_repeat(
        db: Database) -> None:
    text_row(db, 11, "in flight when the bot died")
    text_row(db, 11, "never tried")
    [flying, _] = unsent(db)
    assert begin_send(db, flying.id) is not None  # committed 'sending', then SIGKILL
    bot = FakeBot()
    sender = OutboxSender(bot, db)  # the next run (exclusive: the only sender)
    await sender.start()
    for _ in range(200):
        if state_counts(db) == {"sent": 2}:
            break
        await asyncio.sleep(0.02)
    await sender.stop()
    assert texts(bot, 11) == ["in flight when the bot died\n\n<i>(maybe a repeat)</i>",
                              "never tried"]


async def test_forbidden_gives_up_and_keeps_no_text(db: Database) -> None:
    text_row(db, 11, "to someone who blocked the bot")
    text_row(db, 11, "next")
    bot = FakeBot()
    bot.failures[11] = [Forbidden("bot was blocked by the user")]
    await OutboxSender(bot, db).send_due()
    assert texts(bot, 11) == ["next"]
    assert state_counts(db) == {"failed": 1, "sent": 1}
    assert all(row.payload == {} for row in unsent(db))


def update(update_id: int, chat: int, text: str = "hi") -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text,
        "chat": {"id": chat, "type": "private"}, "from": {"id": chat, "is_bot": False,
                                                          "first_name": "X"}}}


def test_the_inbox_keeps_each_update_once_and_leases_it_to_one_reader(db: Database) -> None:
    assert store_updates(db, [(1, json.dumps(update(1, 5)))]) == 1
    assert store_updates(db, [(1, json.dumps(update(1, 5))), (2, "{}")]) == 1
    assert [u.update_id for u in lease_pending(db)] == [1, 2]
    assert lease_pending(db) == []  # leased: no second reader
    with db.session() as session:
        assert take_in(session, 1) and not take_in(session, 1)
        assert take_in(session, None) and take_in(session, 999)  # not from the inbox
    assert is_processed(db, 1) and pending_count(db) == 1
    assert prune_inbox(db, utcnow() + dt.timedelta(days=2)) == 1


def stored(db: Database, update_id: int) -> bool:
    with db.session() as session:
        return session.scalar(select(InboxUpdate.id).where(
            InboxUpdate.update_id == update_id)) is not None


class FakeApplication:
    """getUpdates from a script, kept until confirmed as Telegram does; process_update records
    what it handled."""

    def __init__(self, batches: list[list[dict[str, Any]]], db: Database) -> None:
        self.bot = self
        self.db = db
        self.batches = batches
        self.handled: list[int] = []
        self.offsets: list[int | None] = []
        self.delivered: list[int] = []
        self.unconfirmed: dict[int, dict[str, Any]] = {}
        self.block = asyncio.Event()
        self.block.set()

    async def delete_webhook(self, **fields: Any) -> bool:
        return True

    async def get_updates(self, offset: int | None = None, **fields: Any) -> list[Update]:
        self.offsets.append(offset)
        if offset is not None:  # Telegram forgets what came before the offset: all stored?
            assert all(stored(self.db, u) for u in self.delivered if u < offset)
            self.unconfirmed = {n: data for n, data in self.unconfirmed.items() if n >= offset}
        await asyncio.sleep(0.01)
        for data in self.batches.pop(0) if self.batches else []:
            self.delivered.append(data["update_id"])
            self.unconfirmed[data["update_id"]] = data
        return [Update.de_json(data, None) for _, data in sorted(self.unconfirmed.items())]

    async def process_update(self, incoming: Update) -> None:
        await self.block.wait()
        self.handled.append(incoming.update_id)


async def run_until(inbox: Inbox, done: Any, timeout: float = 10.0) -> None:
    await inbox.start(polling=True)
    for _ in range(int(timeout / 0.02)):
        if done():
            break
        await asyncio.sleep(0.02)
    await inbox.stop()


async def test_updates_are_stored_before_the_offset_moves_on_and_handled_once_in_order(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    fails = [StorageUnavailable("down"), StorageUnavailable("down")]
    real_store = inbox_module.store_and_lease

    def flaky_store(*args: Any) -> set[int]:
        if fails:
            raise fails.pop(0)
        return real_store(*args)

    monkeypatch.setattr(inbox_module, "store_and_lease", flaky_store)
    app = FakeApplication([[update(1, 5), update(2, 6)], [], [], [update(3, 5), update(1, 5)]],
                          db)
    inbox = Inbox(app, db, poll_interval=0.01)
    await run_until(inbox, lambda: len(app.handled) >= 3)
    # Moved on only once stored (after two failures, Telegram sent them again); then a
    # redelivery of 1 comes with 3.
    assert app.offsets[:4] == [None, None, None, 3]
    assert sorted(app.handled) == [1, 2, 3]  # the redelivered 1 was not handled again
    assert app.handled.index(1) < app.handled.index(3)  # one chat's updates in order
    assert all(is_processed(db, n) for n in (1, 2, 3))


async def test_an_update_in_hand_at_a_crash_is_handled_by_the_next_run(db: Database) -> None:
    app = FakeApplication([[update(1, 5)]], db)
    app.block.clear()  # the handler never finishes: the process dies meanwhile
    crashed = Inbox(app, db, poll_interval=0.01)
    await crashed.start(polling=True)
    for _ in range(200):
        if pending_count(db):
            break
        await asyncio.sleep(0.02)
    for task in [*crashed._tasks.values(), *crashed._chains.values()]:
        task.cancel()  # SIGKILL: nothing runs to its end
    await asyncio.sleep(0.3)  # (a transaction it had in a thread commits, or not, meanwhile)
    assert app.handled == [] and pending_count(db) == 1

    restarted = FakeApplication([], db)
    await run_until(Inbox(restarted, db, poll_interval=0.01), lambda: restarted.handled)
    assert restarted.handled == [1] and is_processed(db, 1)


async def test_a_group_the_bot_cannot_post_in_keeps_its_messages_until_it_can(
        db: Database) -> None:
    text_row(db, GROUP, "a card")
    bot = FakeBot()
    bot.failures[GROUP] = [BadRequest("Chat not found")]  # not in the group (yet)
    await OutboxSender(bot, db).send_due()
    [row] = unsent(db)
    assert (row.state, row.payload["text"]) == ("pending", "a card")


async def test_media_that_cannot_be_copied_is_described_instead(db: Database) -> None:
    with db.session() as session:
        enqueue(session, 11, "copy", {"from_chat_id": GROUP, "message_id": 3, "caption": None,
                                      "fallback": "Caseworker:\n[poll]"})
    bot = FakeBot()
    bot.failures[11] = [BadRequest("Message can't be copied")]
    await OutboxSender(bot, db).send_due()
    assert texts(bot, 11) == ["Caseworker:\n[poll]"] and state_counts(db) == {"sent": 1}


async def test_stopping_sends_what_is_owed_unless_the_group_limit_says_wait(
        db: Database) -> None:
    bot = FakeBot()
    sender = OutboxSender(bot, db, group_per_minute=1)
    await sender.start()
    await asyncio.sleep(0.05)
    text_row(db, 11, "owed just before the stop")
    text_row(db, GROUP, "group one")
    text_row(db, GROUP, "group two")  # over this group's limit of 1 a minute
    await sender.stop()
    assert texts(bot, 11) == ["owed just before the stop"]
    assert texts(bot, GROUP) == ["group one"]
    assert [row.payload["text"] for row in unsent(db)] == ["group two"]  # for the next run


async def test_an_unreadable_stored_update_is_dropped_and_the_rest_handled(
        db: Database) -> None:
    store_updates(db, [(1, "{not json"), (2, "[]"), (3, json.dumps(update(3, 5)))])
    app = FakeApplication([], db)
    await run_until(Inbox(app, db, poll_interval=0.01), lambda: app.handled)
    assert app.handled == [3]
    assert all(is_processed(db, n) for n in (1, 2, 3)) and pending_count(db) == 0
