"""Builds the python-telegram-bot Application and runs it: polling locally, a webhook in
production. Reading `build_application` tells you the whole bot."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import time
from typing import Any

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import Services
from bot.ops import ops_routes
from bot.pipeline import Incoming
from bot.telegram import handlers
from bot.telegram.caseworkers import install_handoff
from bot.telegram.commands import register_commands
from bot.telegram.dedupe import RecentUpdates
from bot.telegram.flood import FloodGuard
from bot.telegram.inbox import Inbox
from bot.telegram.outage import WaitNotice
from bot.telegram.outbox import OutboxSender
from bot.telegram.webhook import check_webhook_settings, serve_webhook
from nlu.language import detect_language

logger = logging.getLogger(__name__)
App = Application[Any, Any, Any, Any, Any, Any]
RATE_LIMIT_RETRIES = 3  # AIORateLimiter retries a RetryAfter this often (PTB's default: 0)
WARM_UP_TEXT = "Where can I buy a ticket for the bus?"  # not anyone's message

COMMANDS = {
    "start": handlers.start,
    "menu": handlers.menu,
    "language": handlers.language,
    "city": handlers.city,
    "human": handlers.human,
    "help": handlers.help_command,
    "privacy": handlers.privacy,
    "forget": handlers.forget,
}


def build_application(services: Services) -> App:
    """Wire every handler in one place. No PTB updater: updates come through our durable
    inbox (getUpdates in `Inbox`, or the webhook), replies owed across chats via the outbox."""
    settings = services.settings
    assert settings.telegram_bot_token is not None
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_url.removesuffix("/bot") + "/file/bot")
        # Groups are paced by the outbox (bot/telegram/outbox.py) before a message is marked
        # as being sent; here only the overall limit (TELEGRAM_MESSAGES_PER_SECOND) and
        # RetryAfter.
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.telegram_messages_per_second,
                                     max_retries=RATE_LIMIT_RETRIES, group_max_rate=0))
    )
    application: App = builder.updater(None).build()
    exclusive = settings.telegram_mode == "polling"  # one poller; webhooks may have replicas
    sender = OutboxSender(application.bot, services.db, exclusive,
                          settings.handoff_group_per_minute)
    notice = WaitNotice(application.bot, services.content, settings.default_language)
    application.bot_data.update(conversations=services.conversations,
                                user_key_secret=settings.user_key_secret_value(),
                                recent_updates=RecentUpdates(), outbox=sender,
                                inbox=Inbox(application, services.db, exclusive, notice=notice),
                                flood=FloodGuard(settings.flood_burst,
                                                 settings.flood_refill_seconds))

    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE  # new messages, not edits
    application.add_handler(TypeHandler(Update, handlers.drop_redelivered), group=-3)
    install_handoff(application, services, sender)  # its handlers: group -2, when configured
    # After a request's relay (a person's words to their caseworker are never dropped), before
    # the answers and their language understanding; the caseworker group is not limited.
    application.add_handler(MessageHandler(private, handlers.hold_back_floods), group=-1)
    for name, callback in COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=private))
    application.add_handler(MessageHandler(private & filters.COMMAND, handlers.help_command))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(private & filters.TEXT, handlers.text_message))
    application.add_handler(MessageHandler(private & filters.LOCATION, handlers.location))
    application.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL,
                                           handlers.other_message))
    application.add_error_handler(handlers.on_error)
    return application


async def prepare(application: App, services: Services) -> bool:
    """Before the first person writes: load what is slow the first time (the language detector's
    models, about 8 s; entity rules; Rasa's first parse; the phrase index that unanswered
    questions are scrubbed with) by answering one question nobody asked, then register the
    command list (optional). Returns whether the commands were registered."""
    began = time.monotonic()
    await asyncio.to_thread(detect_language, WARM_UP_TEXT, None)
    await services.pipeline.handle(Incoming(text=WARM_UP_TEXT, lang="en"))
    await asyncio.to_thread(services.pipeline.search, services.content.current)
    # What is loaded now lives as long as the process: the garbage collector stops walking it
    # (its full passes took up to 0.15 s under load, every answer in the meantime waiting).
    gc.collect()
    gc.freeze()
    logger.info("Ready to answer after %.1f s of warm-up", time.monotonic() - began)
    return await register_commands(application.bot, services.content.current,
                                   services.settings.default_language)


async def start_delivery(application: App, polling: bool = True) -> None:
    """Start the outbox sender and the inbox (fetching with getUpdates when `polling`); the
    Application must be started."""
    await application.bot_data["outbox"].start()
    await application.bot_data["inbox"].start(polling=polling)


async def start_polling(application: App) -> None:
    """Start fetching updates with getUpdates, through the durable inbox."""
    await start_delivery(application, polling=True)


async def stop_polling(application: App) -> None:
    """Stop fetching, finish the updates in hand, send what they owe, stop the sender."""
    await application.bot_data["inbox"].stop()
    await application.bot_data["outbox"].stop()


async def run_telegram(services: Services) -> None:
    """Serve Telegram until SIGINT/SIGTERM, then finish the updates in hand and shut down."""
    settings = services.settings
    if settings.telegram_mode == "webhook":
        check_webhook_settings(settings)
    application = build_application(services)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.create_task(services.content.watch(settings.content_reload_seconds))
    try:
        async with application:  # initialize ... shutdown
            await prepare(application, services)
            await application.start()
            if settings.telegram_mode == "webhook":
                await start_delivery(application, polling=False)
                await serve_webhook(application, settings, stop, ops_routes(services),
                                    inbox=application.bot_data["inbox"])
            else:
                await start_polling(application)
                logger.info("Polling Telegram; press Ctrl+C to stop")
                await stop.wait()
            logger.info("Stopping: finishing the updates in hand")
            await stop_polling(application)
            await application.stop()
    finally:
        watcher.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await services.conversations.close()
        services.db.dispose()
