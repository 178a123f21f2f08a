"""The handoff on Telegram: a person's messages to their open request, the caseworker group
(its commands and replies), /end, and the jobs that re-announce waiting requests.

These handlers run in their own group, before the bot's answers: a message that belongs to a
request is passed on and goes no further; anything else falls through to the usual handlers.
What happens is decided in `bot.handoff`; here Telegram is translated and group membership is
checked (getChatMember, remembered for a minute).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from telegram import Bot, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app import Services
from bot.handoff import Casework, Desk, GroupPlace, Handoff, HandoffConfig, Relayed
from bot.telegram import handlers
from bot.telegram.outbox import OutboxSender

logger = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
HANDOFF_GROUP = -2  # handler group: before flood protection (-1) and the answers (0)
TEAM_COMMANDS = ("claim", "close", "note", "queue")
MEMBER_TTL = 60.0  # seconds a membership answer is trusted
MEMBER_STATES = frozenset({"creator", "administrator", "member"})
MEDIA = ("photo", "video", "voice", "audio", "document", "animation", "sticker", "video_note",
         "location", "venue", "contact")


class Members:
    """Who belongs to the caseworker group (getChatMember), remembered briefly."""

    def __init__(self, group_chat_id: int, ttl: float = MEMBER_TTL) -> None:
        self.group, self.ttl = group_chat_id, ttl
        self._known: dict[int, tuple[bool, float]] = {}

    async def has(self, bot: Bot, user_id: int) -> bool:
        member, until = self._known.get(user_id, (False, 0.0))
        if time.monotonic() < until:
            return member
        try:
            status = await bot.get_chat_member(self.group, user_id)
            member = status.status in MEMBER_STATES or getattr(status, "is_member", False)
        except TelegramError as error:
            logger.warning("Could not check group membership (%s)", type(error).__name__)
            return False
        self._known[user_id] = (member, time.monotonic() + self.ttl)
        return member


def relayed(message: Message) -> Relayed | None:
    """A message as the handoff passes it on; None for service messages."""
    if message.text is not None:
        return Relayed("text", message.text, message.chat.id, message.message_id)
    for kind in MEDIA:
        if getattr(message, kind, None):
            return Relayed(kind, message.caption or "", message.chat.id, message.message_id)
    return None


def place_of(message: Message) -> GroupPlace:
    thread = message.message_thread_id if message.is_topic_message else None
    reply = message.reply_to_message.message_id if message.reply_to_message else None
    return GroupPlace(thread, reply, message.message_id)


def _parts(context: Context) -> tuple[Handoff, Casework, Members]:
    data: dict[str, Any] = context.bot_data
    return data["handoff"], data["casework"], data["members"]


async def person_message(update: Update, context: Context) -> None:
    """Passes the person's message to the caseworker of their open request, if they have one."""
    message = update.effective_message
    handoff, _, _ = _parts(context)
    passed = relayed(message) if message is not None else None
    if passed is None:
        return
    if await handoff.relay_from_person(handlers.person(update, context), update.update_id,
                                       passed):
        raise ApplicationHandlerStop


async def end(update: Update, context: Context) -> None:
    """Ends the person's open request (/end)."""
    handoff, _, _ = _parts(context)
    who = handlers.person(update, context)
    await handoff.end(who, await handlers.conversations(context).lang_of(who), update.update_id)
    raise ApplicationHandlerStop


async def team_command(update: Update, context: Context) -> None:
    """Claims, closes, annotates or lists requests, for members of the caseworker group."""
    message, user = update.effective_message, update.effective_user
    if message is None or message.text is None or user is None:
        return
    _, casework, members = _parts(context)
    place = place_of(message)
    if not await members.has(context.bot, user.id):
        await message.reply_text(casework.desk.cw("caseworker.not_member"))
        raise ApplicationHandlerStop
    command = message.text.split()[0][1:].split("@")[0].lower()
    args = message.text.partition(" ")[2]
    if command == "queue":
        await casework.queue(update.update_id, place)
        raise ApplicationHandlerStop
    ticket, rest = await casework.target(place, args)
    if command == "claim":
        await casework.claim(ticket, update.update_id, place)
    elif command == "close":
        await casework.close(ticket, rest, update.update_id, place)
    else:
        await casework.note(ticket, rest, update.update_id, place)
    raise ApplicationHandlerStop


async def team_command_elsewhere(update: Update, context: Context) -> None:
    """Politely refuses caseworker commands outside the caseworker group."""
    message = update.effective_message
    if message is None:
        return
    _, casework, _ = _parts(context)
    if update.effective_chat is not None and update.effective_chat.type == "private":
        lang = await handlers.conversations(context).lang_of(handlers.person(update, context))
        text = casework.desk.say(lang, "caseworker.only_in_group")
    else:
        text = casework.desk.cw("caseworker.only_in_group")
    await message.reply_text(text)
    raise ApplicationHandlerStop


async def caseworker_message(update: Update, context: Context) -> None:
    """Passes a caseworker's reply (in a request's topic, or to its messages) to the person."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    _, casework, members = _parts(context)
    passed = relayed(message)
    place = place_of(message)
    if passed is None or (place.thread_id is None and place.reply_to is None):
        return  # the team talking among themselves
    ticket = await casework.ticket_here(place)
    if ticket is None or not await members.has(context.bot, user.id):
        return
    await casework.relay(ticket, update.update_id, passed, place)
    raise ApplicationHandlerStop


async def reannounce(context: Context) -> None:
    """Job: reminds the group of requests nobody has taken."""
    _, casework, _ = _parts(context)
    try:
        await casework.reannounce()
    except Exception as error:  # a job must not die: try again next time
        logger.warning("Re-announcing failed (%s)", type(error).__name__)


def add_handlers(application: Any, group_chat_id: int) -> None:
    """Register the handoff's handlers (before the bot's own, in HANDOFF_GROUP)."""
    group = filters.Chat(chat_id=group_chat_id) & filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    for handler in (
        CommandHandler(list(TEAM_COMMANDS), team_command, filters=group),
        CommandHandler(list(TEAM_COMMANDS), team_command_elsewhere),
        CommandHandler("end", end, filters=private),
        MessageHandler(group & ~filters.COMMAND & ~filters.StatusUpdate.ALL, caseworker_message),
        MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, person_message),
    ):
        application.add_handler(handler, group=HANDOFF_GROUP)


def install_handoff(application: Any, services: Services, sender: OutboxSender) -> bool:
    """With CASEWORKER_CHAT_ID set: the handoff's handlers, its hooks in the conversation, and
    the re-announce job. Returns whether the handoff is on."""
    settings = services.settings
    if settings.caseworker_chat_id is None:
        return False
    config = HandoffConfig(
        group_chat_id=settings.caseworker_chat_id,
        caseworker_lang=settings.caseworker_language or settings.default_language,
        reannounce=dt.timedelta(minutes=settings.handoff_reannounce_minutes),
        expected_wait_minutes=settings.handoff_expected_wait_minutes)
    desk = Desk(services.db, services.content, config)
    desk.wake = sender.wake
    handoff = Handoff(desk)
    services.conversations.handoff = handoff
    application.bot_data.update(handoff=handoff, casework=Casework(desk),
                                members=Members(config.group_chat_id))
    add_handlers(application, config.group_chat_id)
    if application.job_queue is not None:
        every = max(1.0, min(60.0, config.reannounce.total_seconds() / 3))
        application.job_queue.run_repeating(reannounce, interval=every, first=every,
                                            name="handoff-reannounce")
    return True
