"""Builds the python-telegram-bot Application and runs it (polling for local use)."""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app import Services
from bot.telegram import handlers

logger = logging.getLogger(__name__)


async def forget_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The /forget confirmation buttons."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    talk = handlers.conversations(context)
    who = handlers.person(update, context)
    if query.data == "forget:yes":
        text = await talk.forget(who)
    else:
        settings = await talk.settings(who)
        text = talk.pipeline.content.current.text(settings.lang or "en", "forget.cancelled")
    if query.message is not None:
        await query.edit_message_text(text)


def build_application(services: Services) -> Application:  # type: ignore[type-arg]
    """Wire every handler in one place: reading this tells you the whole bot."""
    settings = services.settings
    assert settings.telegram_bot_token is not None
    application = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_url.removesuffix("/bot") + "/file/bot")
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    application.bot_data.update(conversations=services.conversations,
                                user_key_secret=settings.user_key_secret_value(),
                                retention_days=settings.retention_days)
    application.add_handler(CommandHandler("start", handlers.start))
    application.add_handler(CommandHandler("menu", handlers.menu))
    application.add_handler(CommandHandler("language", handlers.language))
    application.add_handler(CommandHandler("human", handlers.human))
    application.add_handler(CommandHandler("help", handlers.help_command))
    application.add_handler(CommandHandler("privacy", handlers.privacy))
    application.add_handler(CommandHandler("forget", handlers.forget))
    application.add_handler(CallbackQueryHandler(forget_button, pattern=r"^forget:"))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND,
                                           handlers.text_message))
    application.add_handler(MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL,
                                           handlers.other_message))
    application.add_error_handler(handlers.on_error)
    return application


async def run_telegram(services: Services) -> None:
    """Poll Telegram until SIGINT/SIGTERM, then shut down cleanly."""
    application = build_application(services)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.create_task(
        services.content.watch(services.settings.content_reload_seconds))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(drop_pending_updates=False)
        logger.info("Polling Telegram; press Ctrl+C to stop")
        await stop.wait()
        await application.updater.stop()
        await application.stop()
    watcher.cancel()
    services.db.dispose()
