"""The command list Telegram shows in its menu, in each person's language (setMyCommands)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from guides.content import Content
from guides.models import LANGUAGES

logger = logging.getLogger(__name__)
COMMANDS = ("start", "menu", "language", "city", "human", "end", "privacy", "forget", "help")


def bot_commands(content: Content, lang: str) -> list[BotCommand]:
    return [BotCommand(name, content.text(lang, f"command.{name}")[:256]) for name in COMMANDS]


async def register_commands(bot: Bot, content: Content, default_lang: str) -> bool:
    """Register the commands for every language, and a default for the others. Optional: a
    Bot API that refuses (an emulator, a network error) is logged and start-up goes on."""
    try:
        await bot.set_my_commands(bot_commands(content, default_lang))
        for lang in LANGUAGES:
            await bot.set_my_commands(bot_commands(content, lang), language_code=lang)
    except TelegramError as error:
        logger.warning("Could not register the command list: %s", type(error).__name__)
        return False
    return True
