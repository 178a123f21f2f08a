"""Telegram rendering: escaped HTML and answers split under the 4096-character limit."""

from __future__ import annotations

from actions import Button, Link, Reply
from bot.telegram.render import TELEGRAM_LIMIT, keyboard, split_html, to_html


def test_dynamic_text_is_escaped() -> None:
    html = to_html(Reply(title="<b>Tickets</b>", text='</b><a href="x">x</a> & more',
                         links=(Link('BVG "site"', "https://bvg.de/?a=1&b=2"),)))
    assert html.startswith("<b>&lt;b&gt;Tickets&lt;/b&gt;</b>")
    assert "&lt;/b&gt;&lt;a href=&quot;x&quot;&gt;" in html
    assert 'href="https://bvg.de/?a=1&amp;b=2"' in html


def test_long_text_is_split_at_line_breaks_and_never_inside_an_entity() -> None:
    text = "\n".join(f"line {i} &amp; more words here" for i in range(400))
    chunks = split_html(text)
    assert len(chunks) >= 3
    assert all(len(chunk) <= TELEGRAM_LIMIT for chunk in chunks)
    assert all(not chunk.endswith("&") for chunk in chunks)
    assert "\n".join(chunks).replace("\n", "") == text.replace("\n", "")


def test_keyboard_keeps_rows_and_callback_data() -> None:
    markup = keyboard(Reply(text="x", buttons=((Button("A", "entry:a"), Button("B", "menu")),)))
    assert markup is not None
    row = markup.inline_keyboard[0]
    assert [(b.text, b.callback_data) for b in row] == [("A", "entry:a"), ("B", "menu")]
