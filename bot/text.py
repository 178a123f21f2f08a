"""Cleaning what people send before anything else reads it."""

from __future__ import annotations

import re
import unicodedata

MAX_NLU_CHARS = 500  # questions are short; a 10,000-character paste is cut before parsing
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """NFC-normalise, drop control, zero-width and bidi-override characters, squeeze spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def for_nlu(text: str) -> str:
    return clean_text(text)[:MAX_NLU_CHARS]
