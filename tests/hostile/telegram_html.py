"""Reading a message the bot sends with parse_mode HTML as strictly as Telegram does: only
Telegram's tags and attributes, every tag closed in order, and every `<`, `>` and `&` of the
text escaped. What comes out is the text a person sees, to compare with what was meant."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# https://core.telegram.org/bots/api#html-style
ALLOWED: dict[str, set[str]] = {
    "b": set(), "strong": set(), "i": set(), "em": set(), "u": set(), "ins": set(),
    "s": set(), "strike": set(), "del": set(), "tg-spoiler": set(), "span": {"class"},
    "a": {"href"}, "tg-emoji": {"emoji-id"}, "code": {"class"}, "pre": set(),
    "blockquote": {"expandable"},
}
ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
LINK_SCHEMES = ("https://", "http://", "tel:", "mailto:", "tg://")
_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class TelegramWouldRefuse(AssertionError):
    """Telegram answers such a message with 400 "can't parse entities" (or worse, shows it)."""


@dataclass
class Shown:
    """A message as Telegram shows it."""

    text: str
    tags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.shown = Shown("")
        self.pieces: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            raise TelegramWouldRefuse(f"unsupported tag <{tag}>")
        for name, value in attrs:
            if name not in ALLOWED[tag]:
                raise TelegramWouldRefuse(f"attribute {name!r} on <{tag}>")
            if tag == "a" and not (value or "").startswith(LINK_SCHEMES):
                raise TelegramWouldRefuse(f"link to {value!r}")
        if tag == "a":
            self.shown.links.append(dict(attrs).get("href") or "")
        self.open.append(tag)
        self.shown.tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise TelegramWouldRefuse(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise TelegramWouldRefuse(f"unmatched </{tag}>")

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            raise TelegramWouldRefuse(f"unescaped markup in {data[:80]!r}")
        self.pieces.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ENTITIES:
            raise TelegramWouldRefuse(f"unknown entity &{name};")
        self.pieces.append(ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        self.pieces.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))

    def handle_comment(self, data: str) -> None:
        raise TelegramWouldRefuse("a comment")

    def handle_decl(self, decl: str) -> None:
        raise TelegramWouldRefuse("a declaration")

    def handle_pi(self, data: str) -> None:
        raise TelegramWouldRefuse("a processing instruction")

    def unknown_decl(self, data: str) -> None:
        raise TelegramWouldRefuse("a declaration")


def read(html: str) -> Shown:
    """The message as Telegram shows it; TelegramWouldRefuse when Telegram would not."""
    if (bare := _AMPERSAND.search(html)) is not None:
        raise TelegramWouldRefuse(f"unescaped & at {bare.start()}: {html[bare.start():][:20]!r}")
    reader = _Reader()
    reader.feed(html)
    reader.close()
    if reader.rawdata:
        raise TelegramWouldRefuse(f"unfinished markup {reader.rawdata[:40]!r}")
    if reader.open:
        raise TelegramWouldRefuse(f"<{reader.open[-1]}> is never closed")
    reader.shown.text = "".join(reader.pieces)
    return reader.shown
