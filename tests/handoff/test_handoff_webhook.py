"""With the durable inbox, the webhook stores an update before it answers 200, and answers 503
(Telegram retries) while the database is down; a redelivered update is stored once."""

from __future__ import annotations

from typing import Any

import httpx
from telegram.ext import Application

from bot.telegram.inbox import Inbox
from bot.telegram.webhook import SECRET_HEADER, webhook_app
from storage import Database, StorageUnavailable
from storage.inbox import pending_count

SECRET = "s3cret-token_42"
UPDATE = {"update_id": 7, "message": {"message_id": 1, "date": 1, "text": "hi",
                                      "chat": {"id": 5, "type": "private"}}}


def client_for(inbox: Inbox) -> httpx.AsyncClient:
    app = webhook_app(inbox.application, SECRET, "/telegram", inbox=inbox)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test")


async def test_the_update_is_stored_before_the_200_and_only_once(db: Database) -> None:
    application: Any = Application.builder().token("123:ABC").updater(None).build()
    inbox = Inbox(application, db)
    async with client_for(inbox) as client:
        for _ in range(2):  # Telegram retried
            response = await client.post("/telegram", json=UPDATE,
                                         headers={SECRET_HEADER: SECRET})
            assert response.status_code == 200
    assert pending_count(db) == 1
    assert application.update_queue.empty()  # handled from the inbox, not the queue


async def test_a_database_that_is_down_makes_telegram_retry(db: Database) -> None:
    class DownInbox(Inbox):
        async def accept(self, data: dict[str, Any]) -> None:
            raise StorageUnavailable("down")

    application: Any = Application.builder().token("123:ABC").updater(None).build()
    async with client_for(DownInbox(application, db)) as client:
        response = await client.post("/telegram", json=UPDATE, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 503
