"""`Reply` -> Telegram HTML and inline keyboards. Every dynamic text is escaped here."""

from __future__ import annotations

import re
from html import escape

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from actions import Reply
from actions.nearby import LOCATION_ACTION

TELEGRAM_LIMIT = 4096
PART_ROOM = 64  # room kept in each part for "(part 1 of 2)" in the longest language


def to_html(reply: Reply) -> str:
    """Title in bold, text, then links; every piece of text escaped."""
    parts = [f"<b>{escape(reply.title)}</b>"] if reply.title else []
    parts.append(escape(reply.text))
    if reply.links:
        parts.append("\n".join(f'🔗 <a href="{escape(link.url, quote=True)}">'
                               f"{escape(link.label)}</a>" for link in reply.links))
    return "\n\n".join(parts)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard (labels and data cut to Telegram's 64)."""
    if not reply.buttons or reply.ask_location:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(button.label[:64],
                                                       callback_data=_data(button.action))
                                  for button in row] for row in reply.buttons])


def _data(action: str) -> str:
    """Callback data is limited to 64 bytes, not characters."""
    return action.encode()[:64].decode(errors="ignore")


def location_keyboard(reply: Reply) -> ReplyKeyboardMarkup | None:
    """For a reply that asks for a location: a one-time keyboard with a share-location button."""
    if not reply.ask_location:
        return None
    rows = [[KeyboardButton(button.label, request_location=button.action == LOCATION_ACTION)
             for button in row] for row in reply.buttons]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True) if rows else None


def telegram_length(text: str) -> int:
    """Length as Telegram counts it, in UTF-16 code units: most emoji count twice."""
    return len(text.encode("utf-16-le")) // 2


def parts(html: str) -> list[str]:
    """The HTML of one reply in parts that fit a message, leaving room for a part label."""
    if telegram_length(html) <= TELEGRAM_LIMIT:
        return [html]
    return split_html(html, TELEGRAM_LIMIT - PART_ROOM)


def with_label(part: str, label: str) -> str:
    return f"{part}\n\n<i>{escape(label)}</i>"


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at paragraph, then line, then word boundaries; never inside a tag, an entity or
    an element (a link or bold text stays whole in one part). `limit` is in Telegram's units;
    parts that would be only whitespace are left out (Telegram refuses empty messages)."""
    if telegram_length(text) <= limit:
        return [text]
    chunks: list[str] = []
    rest = text
    while telegram_length(rest) > limit:
        window = _fitting(rest, limit)
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = rest.rfind(separator, 0, window)
            if cut > window // 2:
                break
        if cut <= 0:
            cut = window
        open_tag, close_tag = rest.rfind("<", 0, cut), rest.rfind(">", 0, cut)
        if open_tag > close_tag:  # inside a tag
            cut = open_tag
        amp = rest.rfind("&", 0, cut)
        if amp != -1 and ";" not in rest[amp:cut]:  # inside an entity
            cut = amp
        unclosed = _first_unclosed(rest[:cut])
        if unclosed > 0:  # inside an element
            cut = unclosed
        if cut <= 0:  # one element longer than a message: cut it rather than loop forever
            cut = window
        if chunk := rest[:cut].rstrip():
            chunks.append(chunk)
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


_TAG = re.compile(r"<(/?)([a-z-]+)[^>]*>")


def _first_unclosed(html: str) -> int:
    """Where the first element still open at the end of `html` starts (-1 when none)."""
    stack: list[tuple[str, int]] = []
    for match in _TAG.finditer(html):
        if match.group(1):
            if stack and stack[-1][0] == match.group(2):
                stack.pop()
        else:
            stack.append((match.group(2), match.start()))
    return stack[0][1] if stack else -1
