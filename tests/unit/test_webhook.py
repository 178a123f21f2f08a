"""The webhook app refuses requests without Telegram's secret token and queues real updates;
redelivered updates are recognised by their id."""

from __future__ import annotations

from typing import Any

import httpx
from telegram import Update
from telegram.ext import Application

from bot.telegram.dedupe import RecentUpdates
from bot.telegram.webhook import SECRET_HEADER, webhook_app, webhook_path

SECRET = "s3cret-token_42"
UPDATE = {"update_id": 7, "message": {"message_id": 1, "date": 1, "text": "hi",
                                      "chat": {"id": 5, "type": "private"}}}


def app_and_client() -> tuple[Application[Any, Any, Any, Any, Any, Any], httpx.AsyncClient]:
    """A bot without updater and an HTTP client talking to its webhook app in memory."""
    application = Application.builder().token("123:ABC").updater(None).build()
    transport = httpx.ASGITransport(app=webhook_app(application, SECRET, "/telegram"))
    return application, httpx.AsyncClient(transport=transport, base_url="http://bot.test")


async def test_requests_without_the_right_secret_are_refused() -> None:
    application, client = app_and_client()
    for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"},
                    {SECRET_HEADER: ""}):
        response = await client.post("/telegram", json=UPDATE, headers=headers)
        assert response.status_code == 403
    assert application.update_queue.empty()


async def test_an_update_with_the_secret_is_queued_for_the_bot() -> None:
    application, client = app_and_client()
    response = await client.post("/telegram", json=UPDATE, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    update = application.update_queue.get_nowait()
    assert isinstance(update, Update) and update.update_id == 7


async def test_a_body_that_is_not_an_update_is_a_bad_request() -> None:
    application, client = app_and_client()
    for body in (b"not json", b"[1, 2]"):
        response = await client.post("/telegram", content=body, headers={SECRET_HEADER: SECRET})
        assert response.status_code == 400
    assert (await client.get("/telegram")).status_code == 405
    assert application.update_queue.empty()


def test_the_path_comes_from_the_public_url() -> None:
    assert webhook_path("https://bot.example.org/hooks/arrival/") == "/hooks/arrival"
    assert webhook_path("https://bot.example.org") == "/telegram"


def test_recent_updates_are_recognised_once_and_forgotten_when_old() -> None:
    recent = RecentUpdates(size=3)
    assert [recent.seen_before(i) for i in (1, 2, 1, 3, 4)] == [False, False, True, False, False]
    assert recent.seen_before(1)  # still remembered: it was used recently
    assert not recent.seen_before(2)  # the least recently seen id was forgotten
