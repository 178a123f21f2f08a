"""Telegram handlers: each translates an update into a `Conversations` call and shows the replies.

No behaviour lives here: what a person sees is decided in `bot.conversation` and `actions`, so
the console chat behaves the same.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from actions import Reply
from bot.conversation import Conversations, Person
from bot.metrics import METRICS
from bot.telegram.dedupe import RecentUpdates
from bot.telegram.flood import FloodGuard
from bot.telegram.send import edit_in_place, send_replies
from storage import StorageUnavailable, user_key

logger = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


def conversations(context: Context) -> Conversations:
    value: Conversations = context.bot_data["conversations"]
    return value


def person(update: Update, context: Context) -> Person:
    """The pseudonymous person behind an update (a keyed hash, never the Telegram id)."""
    user = update.effective_user
    assert user is not None
    secret: bytes = context.bot_data["user_key_secret"]
    chat = update.effective_chat
    address = chat.id if chat is not None and chat.type == "private" else None
    return Person(user_key(secret, "telegram", user.id), user.language_code, address)


async def show(update: Update, context: Context, replies: Sequence[Reply]) -> None:
    """Edit the pressed message for a navigation step, send everything else as new messages."""
    chat = update.effective_chat
    assert chat is not None
    query = update.callback_query
    if query is not None and replies and replies[0].edit and await edit_in_place(query,
                                                                                 replies[0]):
        replies = replies[1:]
    talk, who = conversations(context), person(update, context)

    async def part_label(n: int, total: int) -> str:
        lang = await talk.lang_of(who)
        return talk.pipeline.content.current.text(lang, "notice.part", n=n, total=total)

    chat_data = context.chat_data if context.chat_data is not None else {}
    await send_replies(context.bot, chat.id, replies, chat_data, part_label)


async def drop_redelivered(update: Update, context: Context) -> None:
    """Stops an update Telegram delivered a second time before any handler answers it again."""
    recent: RecentUpdates = context.bot_data["recent_updates"]
    if recent.seen_before(update.update_id):
        logger.info("Dropped a redelivered update")
        raise ApplicationHandlerStop


async def hold_back_floods(update: Update, context: Context) -> None:
    """Before the answers, after a request's relay (never dropped): a private message over its
    sender's rate limit gets one notice, or nothing, and goes no further."""
    message = update.effective_message
    guard: FloodGuard | None = context.bot_data.get("flood")
    if message is None or guard is None:
        return
    who = person(update, context)
    verdict = guard.check(who.key, message.date.timestamp())
    if verdict == "answer":
        return
    METRICS.flood_held.inc()
    if verdict == "notice":
        await show(update, context, await conversations(context).slow_down(who))
    raise ApplicationHandlerStop


async def start(update: Update, context: Context) -> None:
    """Greets a newcomer and asks for their language; `/start uk_berlin` presets it."""
    payload = context.args[0] if context.args else None
    await show(update, context, await conversations(context).start(person(update, context),
                                                                     payload))


async def menu(update: Update, context: Context) -> None:
    """Shows the topics as buttons."""
    await show(update, context, await conversations(context).press(person(update, context),
                                                                     "menu"))


async def language(update: Update, context: Context) -> None:
    """Offers every language by its own name."""
    await show(update, context,
               await conversations(context).choose_language(person(update, context)))


async def city(update: Update, context: Context) -> None:
    """Offers the cities the bot knows."""
    await show(update, context, await conversations(context).choose_city(person(update, context)))


async def human(update: Update, context: Context) -> None:
    """Offers a caseworker."""
    await show(update, context, await conversations(context).press(person(update, context),
                                                                     "human"))


async def help_command(update: Update, context: Context) -> None:
    """Explains how to ask and lists the commands."""
    await show(update, context, await conversations(context).help(person(update, context)))


async def privacy(update: Update, context: Context) -> None:
    """Says what the bot keeps, for how long, and who sees it."""
    await show(update, context, await conversations(context).privacy(person(update, context)))


async def forget(update: Update, context: Context) -> None:
    """Asks for confirmation before erasing everything about the person."""
    await show(update, context,
               await conversations(context).forget_confirm(person(update, context)))


async def text_message(update: Update, context: Context) -> None:
    """Answers free text through the shared pipeline (or a typed district with services)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    outcome = await conversations(context).text(person(update, context), message.text)
    await show(update, context, outcome.replies)


async def location(update: Update, context: Context) -> None:
    """Answers a shared location with the nearest services."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    point = message.location
    await show(update, context, await conversations(context).location(
        person(update, context), point.latitude, point.longitude))


async def button(update: Update, context: Context) -> None:
    """Handles an inline button press: a menu step edits the message, answers come anew."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    await show(update, context, await conversations(context).press(person(update, context),
                                                                     query.data))


async def other_message(update: Update, context: Context) -> None:
    """Voice, photos, stickers, files: says kindly what the bot understands."""
    await show(update, context, await conversations(context).unsupported(person(update, context)))


async def on_error(update: object, context: Context) -> None:
    """Logs the error (its type and trace, never the update or its text) and apologises."""
    error = context.error
    logger.error("Error while handling an update: %s", type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None \
            or update.effective_user is None:
        return
    try:
        talk = conversations(context)
        replies = await talk.error_notice(person(update, context),
                                          storage_down=isinstance(error, StorageUnavailable))
        await context.bot.send_message(update.effective_chat.id, replies[0].text)
    except Exception as failure:
        logger.warning("Could not send the error notice: %s", type(failure).__name__)
