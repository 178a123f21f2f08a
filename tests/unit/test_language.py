"""The message's own language wins when it is clearly one of the nine."""

from __future__ import annotations

import pytest

from nlu.language import detect_language


@pytest.mark.parametrize(("text", "lang"), [
    ("how do I buy a bus ticket", "en"),
    ("wo kann ich einen Deutschkurs machen", "de"),
    ("як купити квиток на автобус", "uk"),
    ("как купить билет на автобус", "ru"),
    ("كيف أشتري تذكرة باص", "ar"),
    ("چطور بلیط اتوبوس بخرم", "fa"),
    ("otobüs bileti nasıl alırım", "tr"),
    ("comment acheter un ticket de bus", "fr"),
    ("cómo compro un billete de autobús", "es"),
])
def test_detects_each_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["ok", "hi", "Jobcenter", "123", "🙂🙂", ""])
def test_short_or_unclear_text_is_not_guessed(text: str) -> None:
    assert detect_language(text) is None
