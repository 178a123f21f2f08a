"""Putting `Reply` values in a Telegram chat: new messages, or an edit of the message whose
button was pressed (menu navigation), split under the length limit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, CallbackQuery, LinkPreviewOptions, Message, ReplyKeyboardRemove
from telegram.constants import ParseMode
from telegram.error import BadRequest

from actions import Reply
from bot.telegram.render import (
    TELEGRAM_LIMIT,
    keyboard,
    location_keyboard,
    parts,
    telegram_length,
    to_html,
    with_label,
)

logger = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
KEYBOARD_UP = "location_keyboard_up"  # chat_data flag: our share-location keyboard is shown

PartLabel = Callable[[int, int], Awaitable[str]]


async def send_replies(bot: Bot, chat_id: int, replies: Sequence[Reply],
                       chat_data: dict[Any, Any], part_label: PartLabel) -> None:
    """Send each reply as HTML. A long one goes in parts, its keyboard on the last part; the
    first message after a share-location keyboard takes that keyboard away."""
    for reply in replies:
        chunks = parts(to_html(reply))
        if len(chunks) > 1:
            chunks = [with_label(chunk, await part_label(n, len(chunks)))
                      for n, chunk in enumerate(chunks, start=1)]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await _send_one(bot, chat_id, chunk, reply if last else None, chat_data)


async def _send_one(bot: Bot, chat_id: int, html: str, reply: Reply | None,
                    chat_data: dict[Any, Any]) -> Message:
    inline = keyboard(reply) if reply else None
    if reply is not None and reply.ask_location:
        chat_data[KEYBOARD_UP] = True
        return await bot.send_message(chat_id, html, parse_mode=ParseMode.HTML,
                                      reply_markup=location_keyboard(reply),
                                      link_preview_options=NO_PREVIEW)
    if chat_data.pop(KEYBOARD_UP, False):
        # One message carries one markup: take the keyboard away, then add the buttons.
        message = await bot.send_message(chat_id, html, parse_mode=ParseMode.HTML,
                                         reply_markup=ReplyKeyboardRemove(),
                                         link_preview_options=NO_PREVIEW)
        if inline is not None:
            await bot.edit_message_reply_markup(chat_id, message.message_id, reply_markup=inline)
        return message
    return await bot.send_message(chat_id, html, parse_mode=ParseMode.HTML, reply_markup=inline,
                                  link_preview_options=NO_PREVIEW)


async def edit_in_place(query: CallbackQuery, reply: Reply) -> bool:
    """Show `reply` in place of the message whose button was pressed. False when that cannot
    be done (the message is too old, not text, or the reply too long): then send it anew."""
    message = query.message
    html = to_html(reply)
    if not isinstance(message, Message) or message.text is None \
            or telegram_length(html) > TELEGRAM_LIMIT or reply.ask_location:
        return False
    try:
        await query.edit_message_text(html, parse_mode=ParseMode.HTML,
                                      reply_markup=keyboard(reply),
                                      link_preview_options=NO_PREVIEW)
    except BadRequest as error:
        if "not modified" in str(error).lower():  # the same screen pressed twice
            return True
        logger.info("Could not edit the message in place (%s); sending it anew",
                    type(error).__name__)
        return False
    return True
