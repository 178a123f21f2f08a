"""`Reply` -> Telegram HTML and inline keyboards. Every dynamic text is escaped here."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from actions import Reply

TELEGRAM_LIMIT = 4096


def to_html(reply: Reply) -> str:
    parts = [f"<b>{escape(reply.title)}</b>"] if reply.title else []
    parts.append(escape(reply.text))
    if reply.links:
        parts.append("\n".join(f'🔗 <a href="{escape(link.url, quote=True)}">'
                               f"{escape(link.label)}</a>" for link in reply.links))
    return "\n\n".join(parts)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(button.label[:64],
                                                       callback_data=button.action[:64])
                                  for button in row] for row in reply.buttons])


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at paragraph, then line, then word boundaries, never inside a tag or entity."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = rest.rfind(separator, 0, limit)
            if cut > limit // 2:
                break
        if cut <= 0:
            cut = limit
        # Never split inside an HTML tag or entity.
        open_tag, close_tag = rest.rfind("<", 0, cut), rest.rfind(">", 0, cut)
        if open_tag > close_tag:
            cut = open_tag
        amp = rest.rfind("&", 0, cut)
        if amp != -1 and ";" not in rest[amp:cut]:
            cut = amp
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks
