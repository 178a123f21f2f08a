"""Properties of the real pipeline and the real Telegram rendering for arbitrary input: the bot
never raises, always answers, and every message it would send is HTML Telegram accepts, within
4096 characters (as Telegram counts them), with nothing a person wrote turned into markup.

Telegram's servers are the one thing replaced (`RecordingTelegram` keeps what would be sent);
the pipeline runs on the phrase search (no network) and, with fewer examples, on real Rasa."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode

from actions import Link, Outcome, Reply
from bot.pipeline import Incoming, Pipeline
from bot.telegram.render import TELEGRAM_LIMIT, parts, telegram_length, to_html, with_label
from bot.telegram.send import send_replies
from guides.models import LANGUAGES
from guides.store import ContentStore
from nlu.client import RasaClient
from nlu.server import LocalRasaServer
from tests.hostile.strategies import MARKUP, PROPERTY, messages
from tests.hostile.telegram_html import Shown, TelegramWouldRefuse, read


class RecordingTelegram:
    """Stands in for Telegram's servers: keeps every message the bot would send."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_message(self, chat_id: int, text: str, **fields: Any) -> SimpleNamespace:
        self.sent.append({"chat_id": chat_id, "text": text, **fields})
        return SimpleNamespace(message_id=len(self.sent))

    async def edit_message_reply_markup(self, chat_id: int, message_id: int,
                                        **fields: Any) -> bool:
        return True


async def through_telegram(pipeline: Pipeline, text: str,
                           lang: str) -> tuple[Outcome, list[dict[str, Any]]]:
    """The pipeline's answer to `text`, and the messages `send_replies` makes of it."""
    outcome = await pipeline.handle(Incoming(text=text, lang=lang))
    telegram = RecordingTelegram()

    async def part_label(n: int, total: int) -> str:
        return pipeline.content.current.text(outcome.lang, "notice.part", n=n, total=total)

    await send_replies(telegram, 1, outcome.replies, {}, part_label)  # type: ignore[arg-type]
    return outcome, telegram.sent


def accepted(message: dict[str, Any]) -> Shown:
    """One message as Telegram would take it: valid HTML, not blank, within the limits."""
    assert message["parse_mode"] == ParseMode.HTML
    shown = read(message["text"])
    assert shown.text.strip(), message
    assert telegram_length(shown.text) <= TELEGRAM_LIMIT
    markup = message.get("reply_markup")
    if isinstance(markup, InlineKeyboardMarkup):
        for row in markup.inline_keyboard:
            for button in row:
                assert button.text and len(button.text) <= 64
                assert 1 <= len((button.callback_data or "").encode()) <= 64
    return shown


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    """One event loop for a test's examples (hypothesis calls plain functions)."""
    with asyncio.Runner() as loop:
        yield loop


@pytest.fixture(scope="module")
def content_links(content_store: ContentStore) -> set[str]:
    return {str(link.url) for pack in content_store.current.cities.values()
            for entry in pack.entries.values() for link in entry.links}


def test_any_text_gets_an_answer_telegram_accepts(runner: asyncio.Runner,
                                                 content_store: ContentStore,
                                                 content_links: set[str]) -> None:
    pipeline = Pipeline(content_store, None)  # the phrase search: no network

    @PROPERTY
    @given(text=messages, lang=st.sampled_from(LANGUAGES))
    def check(text: str, lang: str) -> None:
        outcome, sent = runner.run(through_telegram(pipeline, text, lang))
        assert outcome.replies and sent
        for message in sent:
            shown = accepted(message)
            assert set(shown.tags) <= {"b", "i", "a"}  # the renderer's own, nothing else
            assert set(shown.links) <= content_links  # links come from the guides only

    check()


@pytest.mark.rasa
def test_real_rasa_understands_any_text_without_failing(runner: asyncio.Runner,
                                                         content_store: ContentStore,
                                                         rasa_server: LocalRasaServer) -> None:
    """An input Rasa could not parse would send everyone into degraded mode for a while."""
    client = RasaClient(rasa_server.url, rasa_server.secret, timeout=15.0)
    pipeline = Pipeline(content_store, client)

    @settings(PROPERTY, max_examples=60)
    @given(text=messages, lang=st.sampled_from(LANGUAGES))
    def check(text: str, lang: str) -> None:
        outcome, sent = runner.run(through_telegram(pipeline, text, lang))
        assert outcome.status != "degraded" and not pipeline.degraded
        for message in sent:
            accepted(message)

    try:
        check()
    finally:
        runner.run(client.aclose())


# --- The renderer alone: whatever text a reply carries (a caseworker's relayed message is
# one), it arrives escaped, whole and in parts Telegram takes. Titles and links come from the
# guides, so they are short.
short = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=80)
urls = st.sampled_from(["https://www.bvg.de/de/abos-und-tickets", "tel:+4930112",
                        'https://example.org/a?b=1&c=<2>"x"', "https://example.org/ü ö"])
replies = st.builds(
    Reply, text=messages.filter(str.strip),
    title=st.none() | short.filter(str.strip) | st.sampled_from(MARKUP),
    links=st.lists(st.builds(Link, label=short, url=urls), max_size=3).map(tuple))


def meant(reply: Reply) -> str:
    """What the person should read: title, text, then each link's label."""
    pieces = [reply.title] if reply.title else []
    pieces.append(reply.text)
    if reply.links:
        pieces.append("\n".join(f"🔗 {link.label}" for link in reply.links))
    return "\n\n".join(pieces)


def without_space(text: str) -> str:
    return "".join(text.split())


@PROPERTY
@given(reply=replies)
def test_any_reply_text_is_escaped_whole_and_in_parts_telegram_takes(reply: Reply) -> None:
    chunks = parts(to_html(reply))
    shown = [read(chunk) for chunk in chunks]
    longest_label = "(частина 9999 з 9999)"
    for chunk, part in zip(chunks, shown, strict=True):
        assert part.text.strip()
        room = with_label(chunk, longest_label) if len(chunks) > 1 else chunk
        assert telegram_length(room) <= TELEGRAM_LIMIT
    # Split only where there was white space: nothing lost, nothing added, nothing markup.
    assert without_space("".join(part.text for part in shown)) == without_space(meant(reply))
    assert sorted(link for part in shown for link in part.links) == sorted(
        link.url for link in reply.links)


@pytest.mark.parametrize("html", [
    "<script>alert(1)</script>", "a < b", "a > b", "Tom & Jerry", "&nbsp;", "<b>open",
    "</b>", "<b><i>crossed</b></i>", '<a href="javascript:alert(1)">x</a>', "<br/>",
    "<!-- hidden -->", '<b onclick="x()">x</b>',
])
def test_the_reader_refuses_what_telegram_refuses(html: str) -> None:
    with pytest.raises(TelegramWouldRefuse):
        read(html)


def test_the_reader_shows_what_telegram_shows() -> None:
    shown = read('<b>Tom &amp; Jerry</b> &lt;3 &#x27;x&#x27; &quot;'
                 '<a href="https://example.org/?a=1&amp;b=2">link</a>')
    assert shown.text == "Tom & Jerry <3 'x' \"link"
    assert shown.tags == ["b", "a"] and shown.links == ["https://example.org/?a=1&b=2"]
