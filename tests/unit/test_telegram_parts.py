"""Long answers in parts: links and bold text are never cut, each part has room for its label;
the share-location keyboard and the inline keyboard never mix."""

from __future__ import annotations

from actions import Button, Link, Reply
from actions.nearby import LOCATION_ACTION
from bot.telegram.render import (
    PART_ROOM,
    TELEGRAM_LIMIT,
    keyboard,
    location_keyboard,
    parts,
    split_html,
    to_html,
    with_label,
)


def test_an_element_is_never_cut_in_two() -> None:
    html = ("word " * 30 + '<a href="https://example.org/a">a long link label</a> ') * 3
    for limit in range(60, 200, 7):
        for chunk in split_html(html, limit):
            assert chunk.count("<a ") == chunk.count("</a>"), (limit, chunk)


def test_parts_leave_room_for_the_label() -> None:
    html = to_html(Reply(title="T", text="\n".join(f"line {i} & more" for i in range(600)),
                         links=(Link("site", "https://example.org"),)))
    chunks = parts(html)
    assert len(chunks) == 3
    for n, chunk in enumerate(chunks, start=1):
        labelled = with_label(chunk, f"(part {n} of {len(chunks)})")
        assert len(labelled) <= TELEGRAM_LIMIT
        assert len(chunk) <= TELEGRAM_LIMIT - PART_ROOM
    assert parts("short") == ["short"]


def test_a_location_request_has_a_reply_keyboard_and_no_inline_one() -> None:
    ask = Reply(text="Where are you?", ask_location=True,
                buttons=((Button("📍 Share my location", LOCATION_ACTION),),))
    assert keyboard(ask) is None
    markup = location_keyboard(ask)
    assert markup is not None and markup.one_time_keyboard
    [[button]] = markup.keyboard
    assert button.text == "📍 Share my location" and button.request_location
    assert location_keyboard(Reply(text="x", buttons=((Button("A", "menu"),),))) is None


def test_callback_data_is_cut_to_64_bytes_not_characters() -> None:
    markup = keyboard(Reply(text="x", buttons=((Button("A", "entry:" + "é" * 60),),)))
    assert markup is not None
    data = markup.inline_keyboard[0][0].callback_data
    assert isinstance(data, str) and len(data.encode()) <= 64
