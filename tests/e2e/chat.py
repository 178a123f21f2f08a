"""Reading the chat as a person would: replies, edits, buttons; and the bot under test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import Services
from bot.settings import Settings, load_settings
from bot.telegram.runner import App
from guides.content import Content
from nlu.server import LocalRasaServer
from storage.users import known_keys
from tests.emulator.harness import BotMessage, Emulator, TelegramUser

REPLY_TIMEOUT = 30.0  # generous: Rasa shares the machine with the rest of the test run
NewUser = Callable[..., TelegramUser]


@dataclass
class RunningBot:
    """The bot under test, and every error its handlers raised."""

    application: App
    services: Services
    errors: list[BaseException] = field(default_factory=list)
    commands_registered: bool = False

    @property
    def content(self) -> Content:
        return self.services.content.current

    def text(self, lang: str, key: str, **values: object) -> str:
        """A UI string as the bot would say it."""
        return self.content.text(lang, key, **values)

    def known_users(self) -> list[str]:
        return known_keys(self.services.db)


def emulator_for(emulator: Emulator, token: str) -> Emulator:
    """The same emulator process as seen by another bot (its own token, updates and chats)."""
    view = Emulator(token)
    view.port = emulator.port
    return view


def bot_settings(emulator: Emulator, rasa_server: LocalRasaServer, folder: Path,
                 **overrides: Any) -> Settings:
    """Settings of a bot that talks to the emulator and the shared Rasa server."""
    values: dict[str, Any] = {
        "telegram_bot_token": emulator.token, "telegram_base_url": emulator.base_url,
        "telegram_mode": "polling", "rasa_url": rasa_server.url,
        "rasa_token": rasa_server.secret, "rasa_timeout": 15.0,
        "database_url": f"sqlite:///{folder}/arrival.db", "var_dir": folder / "var",
        "user_key_secret": "e2e-user-key-secret", "default_language": "en",
    }
    return load_settings(**(values | overrides))


async def replies(user: TelegramUser, n: int = 1) -> list[BotMessage]:
    return await user.wait_for_replies(n, timeout=REPLY_TIMEOUT)


async def reply(user: TelegramUser) -> BotMessage:
    [message] = await user.wait_for_replies(1, timeout=REPLY_TIMEOUT)
    return message


async def edit_of(user: TelegramUser, message: BotMessage) -> BotMessage:
    return await user.wait_for_edit(message["message_id"], timeout=REPLY_TIMEOUT)


def buttons(message: BotMessage) -> list[str]:
    """Every button label of a message, inline or reply keyboard, row by row flattened."""
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) + markup.get("keyboard", [])
    return [button if isinstance(button, str) else button["text"] for row in rows for button in row]


async def onboarded(user: TelegramUser, lang: str) -> None:
    """Start with a deep link in `lang` (Berlin) and read the welcome."""
    await user.send_command("/start", f"{lang}_berlin")
    await reply(user)
