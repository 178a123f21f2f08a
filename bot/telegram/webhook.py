"""Webhook mode for production: a small Starlette app, served by uvicorn, that Telegram posts
updates to. Every request must carry the secret token given to setWebhook; the update then goes
to the Application's queue (PTB's `customwebhookbot` pattern: `.updater(None)`).

Kept small on purpose: /healthz and /metrics come from `bot.ops` as further routes.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.ext import Application

from bot.settings import ConfigurationError, Settings
from bot.telegram.inbox import Inbox
from storage import StorageUnavailable

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram"

App = Application[Any, Any, Any, Any, Any, Any]


def webhook_path(url: str) -> str:
    """The path Telegram posts to: the path of WEBHOOK_URL, `/telegram` when it has none."""
    return urlsplit(url).path.rstrip("/") or DEFAULT_PATH


def webhook_app(application: App, secret: str, path: str = DEFAULT_PATH,
                routes: Sequence[BaseRoute] = (), inbox: Inbox | None = None) -> Starlette:
    """The ASGI app: 403 without the right secret, 400 for a body that is not an update;
    `routes` adds more (`bot.ops`: /healthz and /metrics). With `inbox`, an update is stored
    before the 200 (503 while the database is down: Telegram retries), then handled from there."""
    expected = secret.encode()

    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            logger.warning("Refused a webhook request without the right secret token")
            return Response(status_code=403)
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
        except ValueError:
            update = None
        if update is None:
            return Response(status_code=400)
        if inbox is None:
            await application.update_queue.put(update)
            return Response()
        try:
            await inbox.accept(data)
        except StorageUnavailable:
            logger.warning("Could not store a webhook update: database unavailable")
            return Response(status_code=503)
        return Response()

    return Starlette(routes=[Route(path, telegram, methods=["POST"]), *routes])


def check_webhook_settings(settings: Settings) -> str:
    """The public webhook URL, or a ConfigurationError an operator can act on."""
    if not settings.webhook_url:
        raise ConfigurationError("TELEGRAM_MODE=webhook needs WEBHOOK_URL (the public URL "
                                 "Telegram posts to, e.g. https://bot.example.org/telegram)")
    return settings.webhook_url


def webhook_secret(settings: Settings) -> str:
    """WEBHOOK_SECRET, or a fresh random one: the bot registers it itself at every start."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    return secrets.token_urlsafe(32)


async def serve_webhook(application: App, settings: Settings, stop: asyncio.Event,
                        routes: Sequence[BaseRoute] = (), inbox: Inbox | None = None) -> None:
    """Register the webhook with Telegram, then serve it until `stop` is set or a signal comes.

    The Application must be started; updates go to its queue."""
    url = check_webhook_settings(settings)
    secret = webhook_secret(settings)
    app = webhook_app(application, secret, webhook_path(url), routes, inbox)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.webhook_listen,
                                           port=settings.webhook_port, log_level="warning",
                                           access_log=False, lifespan="off"))
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():  # listen before Telegram may post
        await asyncio.sleep(0.05)
    if serving.done():
        serving.result()  # raises why uvicorn could not start (port in use, ...)
    await application.bot.set_webhook(url, secret_token=secret,
                                      allowed_updates=Update.ALL_TYPES)
    logger.info("Serving the Telegram webhook on %s:%d", settings.webhook_listen,
                settings.webhook_port)
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopping.cancel()
    await serving
