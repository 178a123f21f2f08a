"""Which of the nine languages a message is written in, offline.

Script-specific letters settle most cases at once (Ukrainian і/ї/є/ґ, Farsi پ/چ/ژ/گ/ی/ک);
lingua, which ships its models inside the package, decides the rest. Short or mixed Latin text
is not 'clearly' any language: the caller then keeps the user's chosen language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")
_FARSI_ONLY = re.compile(r"[پچژگیک]")
_ARABIC_ONLY = re.compile(r"[ةيكى]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_UKRAINIAN_ONLY = re.compile(r"[іїєґІЇЄҐ]")
_RUSSIAN_ONLY = re.compile(r"[ыэъёЫЭЪЁ]")
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÿĞğİıŞş]{2,}")
_LATIN_LANGS = ("en", "de", "tr", "fr", "es")


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = [Language.ENGLISH, Language.GERMAN, Language.TURKISH, Language.FRENCH,
                 Language.SPANISH, Language.UKRAINIAN, Language.RUSSIAN, Language.ARABIC,
                 Language.PERSIAN]
    return LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models(
    ).build()


def _lingua_scores(text: str) -> dict[str, float]:
    codes = {"ENGLISH": "en", "GERMAN": "de", "TURKISH": "tr", "FRENCH": "fr", "SPANISH": "es",
             "UKRAINIAN": "uk", "RUSSIAN": "ru", "ARABIC": "ar", "PERSIAN": "fa"}
    return {codes[value.language.name]: value.value
            for value in _detector().compute_language_confidence_values(text)}


def detect_language(text: str, prefer: str | None = None) -> str | None:
    """The message's language code when it is clearly one of the nine, else None.

    `prefer` (the person's chosen language) wins whenever it is a close second: answering in
    the language someone chose is never wrong, answering in a misdetected one is."""
    arabic = len(_ARABIC_SCRIPT.findall(text))
    cyrillic = len(_CYRILLIC.findall(text))
    latin_words = _LATIN_WORD.findall(text)
    latin = sum(len(word) for word in latin_words)
    if arabic > max(cyrillic, latin):
        if _FARSI_ONLY.search(text):
            return "fa"
        if _ARABIC_ONLY.search(text):
            return "ar"
        scores = _lingua_scores(text)
        return "fa" if scores.get("fa", 0) > scores.get("ar", 0) else "ar"
    if cyrillic > max(arabic, latin):
        has_uk, has_ru = bool(_UKRAINIAN_ONLY.search(text)), bool(_RUSSIAN_ONLY.search(text))
        if has_uk != has_ru:
            return "uk" if has_uk else "ru"
        scores = _lingua_scores(text)
        return "uk" if scores.get("uk", 0) > scores.get("ru", 0) else "ru"
    if len(latin_words) < 3:
        return None
    scores = {lang: score for lang, score in _lingua_scores(text).items() if lang in _LATIN_LANGS}
    if not scores:
        return None
    ranked = sorted(scores, key=lambda lang: scores[lang], reverse=True)
    best, second = ranked[0], scores[ranked[1]] if len(ranked) > 1 else 0.0
    if prefer in scores and scores[best] - scores[prefer] <= 0.15:
        return prefer
    if scores[best] >= 0.5 or (scores[best] >= 0.3 and scores[best] - second >= 0.05):
        return best
    return None
