"""What people (or attackers) may send, for hypothesis: any Unicode Telegram can carry (lone
surrogates cannot be sent), mixed with the pieces that break naive bots, up to 12,000
characters; and the settings that keep the property tests deterministic and quick."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

INVISIBLE = ["\x00", "\x07", "\x1b[31m", "\r\n", "\t", "\u00a0", "\u200b", "\u200c", "\u200d",
             "\u2060", "\ufeff", "\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u061c",
             "\u0301\u0301\u0301"]
EMOJI = ["👩‍👩‍👧‍👦", "🏳️‍🌈", "🧑🏽‍🤝‍🧑🏿", "🇺🇦", "😀" * 20]
MARKUP = ["<b>", "</b>", "<i>", '<a href="javascript:alert(1)">click</a>',
          "<script>alert(1)</script>", "<tg-spoiler>", "&amp;", "&lt;", "&", "&#0;", "<", ">",
          '"', "'", "*bold*", "_it_", "[link](http://evil.example)", "`code`", "```", "*_[", "\\",
          "{lang}", "{0}", "%s", "${x}"]
WORDS = ["how do I buy a bus ticket", "Anmeldung", "Wohnung", "Neukölln", "112", "помогите",
         "مساعدة", "کمک"]
HOSTILE_PIECES = INVISIBLE + EMOJI + MARKUP + WORDS

any_unicode = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)
mixed = st.lists(st.one_of(any_unicode, st.sampled_from(HOSTILE_PIECES)), max_size=12).map(
    "".join)
huge = st.tuples(mixed.filter(bool), st.integers(min_value=2, max_value=12_000)).map(
    lambda piece_and_length: (piece_and_length[0] * piece_and_length[1])[:piece_and_length[1]])
messages = st.one_of(mixed, huge)

# Deterministic (the same examples every run, no example database written), no per-example
# deadline (the first example loads the language detector), and few enough examples for CI.
PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=300,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
