"""Telegram handlers: each translates an update into a `Conversations` call and sends replies."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from actions import Button, Reply
from bot.conversation import Conversations, Person
from bot.telegram.render import keyboard, split_html, to_html
from storage import user_key

logger = logging.getLogger(__name__)


def conversations(context: ContextTypes.DEFAULT_TYPE) -> Conversations:
    value: Conversations = context.bot_data["conversations"]
    return value


def person(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Person:
    user = update.effective_user
    assert user is not None
    secret: bytes = context.bot_data["user_key_secret"]
    return Person(user_key(secret, "telegram", user.id), user.language_code)


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE,
               replies: Sequence[Reply]) -> None:
    """Send replies as HTML; long ones are split, the keyboard goes on the last part."""
    chat = update.effective_chat
    assert chat is not None
    for reply in replies:
        chunks = split_html(to_html(reply))
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await context.bot.send_message(chat.id, chunk, parse_mode=ParseMode.HTML,
                                           reply_markup=keyboard(reply) if last else None,
                                           disable_web_page_preview=True)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets a newcomer and asks for their language; `/start uk_berlin` presets it."""
    payload = context.args[0] if context.args else None
    await send(update, context, await conversations(context).start(person(update, context),
                                                                     payload))


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the topics as buttons."""
    await send(update, context, await conversations(context).press(person(update, context),
                                                                     "menu"))


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offers every language by its own name."""
    who = person(update, context)
    talk = conversations(context)
    settings = await talk.settings(who)
    await send(update, context, [talk.language_picker(settings.lang or "en", who.lang_hint)])


async def human(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offers a caseworker."""
    await send(update, context, await conversations(context).press(person(update, context),
                                                                     "human"))


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers free text through the shared pipeline."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    outcome = await conversations(context).text(person(update, context), message.text)
    await send(update, context, outcome.replies)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handles an inline button press."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    await send(update, context, await conversations(context).press(person(update, context),
                                                                     query.data))


async def static_text(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str) -> None:
    who = person(update, context)
    talk = conversations(context)
    settings = await talk.settings(who)
    lang = settings.lang or (who.lang_hint or "en")[:2]
    text = talk.pipeline.content.current.text(lang, key, days=context.bot_data["retention_days"])
    await send(update, context, [Reply(text=text)])


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explains what the bot does and its commands."""
    await static_text(update, context, "help.text")


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Says what the bot keeps and for how long."""
    await static_text(update, context, "privacy.text")


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks for confirmation before erasing everything about the person."""
    who = person(update, context)
    talk = conversations(context)
    settings = await talk.settings(who)
    lang = settings.lang or (who.lang_hint or "en")[:2]
    content = talk.pipeline.content.current
    await send(update, context, [Reply(
        text=content.text(lang, "forget.confirm"),
        buttons=((Button(content.text(lang, "button.yes_forget"), "forget:yes"),
                  Button(content.text(lang, "button.cancel"), "forget:no")),))])


async def other_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Voice, photos, stickers, files: say kindly what the bot understands."""
    who = person(update, context)
    talk = conversations(context)
    settings = await talk.settings(who)
    lang = settings.lang or (who.lang_hint or "en")[:2]
    content = talk.pipeline.content.current
    await send(update, context, [Reply(
        text=content.text(lang, "notice.unsupported"),
        buttons=((Button(content.text(lang, "button.human"), "human"),
                  Button(content.text(lang, "button.menu"), "menu")),))])


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the error type (never the update or message text) and apologises to the user."""
    logger.error("Error while handling an update: %s", type(context.error).__name__,
                 exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            content = conversations(context).pipeline.content.current
            lang = ((update.effective_user.language_code if update.effective_user else None)
                    or "en")[:2]
            await context.bot.send_message(update.effective_chat.id,
                                           content.text(lang, "notice.error"))
        except Exception:
            logger.warning("Could not send the error notice")
