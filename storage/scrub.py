"""Scrubbing questions before editors see them: no numbers, e-mail addresses, links or names.

Names are found by heuristics (there is no name list for nine languages): a capitalised word the
guides never use, a run of two or more such words, and whatever follows "my name is" in each
language. German capitalises every noun and Arabic/Farsi have no capitals, so the rule errs on the
side of scrubbing in German and relies on the "my name is" phrases in Arabic and Farsi.
"""

from __future__ import annotations

import re
from collections.abc import Container

MAX_CHARS = 300
LINK, EMAIL, HANDLE, NUMBER, NAME = "[link]", "[email]", "[user]", "[number]", "[name]"

PLACEHOLDERS = re.compile(r"\[(?:link|email|user|number|name)\]")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@\w{2,}")
_LEVEL = re.compile(r"^[ABCabc][12]$")  # language levels (B1) are content, not identifiers
_DIGITS = re.compile(r"[+#(]?[\w\-/.()]*\d[\w\-/.()]*")
_RUNS = re.compile(r"\[number\](?:[\s,./-]*\[number\])+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?؟。]\s*$")
_INTRO = re.compile(
    r"(?:my name is|i am called|i'm called|"
    r"ich hei(?:ß|ss)e|mein name ist|je m'appelle|je m’appelle|mon nom est|"
    r"me llamo|mi nombre es|меня зовут|мо[её] имя|моя фамилия|мене звати|моє ім['’]я|"
    r"моє прізвище|benim adım|adım|ismim|اسمي|انا اسمي|اسم من|نام من|اسمم)\s+"
    r"(?P<name>[^\W\d_]+)(?P<sep>[\s-]+)?(?P<second>[^\W\d_]+)?",
    re.IGNORECASE)


def scrub(text: str, known_words: Container[str] = frozenset()) -> str:
    """`text` without anything that could identify a person; `known_words` (lower case) are the
    words of the guides, which are kept even when capitalised."""
    text = " ".join(text.split())[: MAX_CHARS * 2]
    text = _URL.sub(LINK, text)
    text = _EMAIL.sub(EMAIL, text)
    text = _HANDLE.sub(HANDLE, text)
    text = _DIGITS.sub(lambda m: m.group() if _LEVEL.match(m.group()) else NUMBER, text)
    text = _RUNS.sub(NUMBER, text)
    text = _INTRO.sub(_intro, text)
    text = _scrub_capitalised(text, known_words)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit(" ", 1)[0] + "…"
    return text


def _intro(match: re.Match[str]) -> str:
    """"my name is X Y": X is a name; Y too unless it is a lower-case word ("and", "und")."""
    head = match.group()[: match.start("name") - match.start()]
    second, sep = match.group("second"), match.group("sep") or ""
    if second is None or second[0].islower():
        return f"{head}{NAME}{sep}{second or ''}"
    return head + NAME


def _scrub_capitalised(text: str, known: Container[str]) -> str:
    """Replace capitalised words the guides do not use; a sentence's first word only when it
    starts a run of such words ("Amina Yusuf needs…")."""
    words = list(_WORD.finditer(text))
    suspect = [_is_suspect(m.group(), known) for m in words]
    replace: set[int] = set()
    for i, match in enumerate(words):
        if not suspect[i]:
            continue
        starts_sentence = not text[: match.start()].strip() or bool(
            _SENTENCE_END.search(text[: match.start()]))
        next_is_suspect = i + 1 < len(words) and suspect[i + 1] and _adjacent(text, match,
                                                                               words[i + 1])
        if not starts_sentence or next_is_suspect:
            replace.add(i)
    out, last = [], 0
    for i in sorted(replace):
        match = words[i]
        out.append(text[last:match.start()])
        out.append(NAME)
        last = match.end()
    out.append(text[last:])
    return re.sub(r"\[name\](?:\s+\[name\])+", NAME, "".join(out))


def _is_suspect(word: str, known: Container[str]) -> bool:
    if len(word) < 2 or not word[0].isupper():
        return False
    lower = word.lower()
    return lower not in known and lower.replace("’", "'") not in known


def _adjacent(text: str, first: re.Match[str], second: re.Match[str]) -> bool:
    return not text[first.end():second.start()].strip()
