"""Hand-picked hostile messages, end to end: through the emulator's real Bot API HTTP, the real
bot and real Rasa. Each gets a sensible answer — the same as for the plain question where one
is hidden inside — in HTML Telegram accepts, and nothing of what was sent comes back."""

from __future__ import annotations

import pytest

from tests.e2e.chat import NewUser, RunningBot, onboarded, reply
from tests.emulator.harness import BotMessage, TelegramUser
from tests.hostile.telegram_html import read

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]

QUESTION = "How do I buy a bus ticket?"
HIDDEN = {  # the question, wrapped in something hostile -> the question's own answer
    "10,000 characters": ((QUESTION + " ") * 400)[:10_000],
    "zero-width and bidi controls": "How\u200b do I\u200d buy a\u202e bus\u2066 ticket\u2069?"
                                    "\ufeff\u200f",
    "null bytes": "How do I\x00 buy a bus\x00 ticket?\x00",
    "emoji ZWJ sequences": "How do I buy a bus ticket? 👩‍👩‍👧‍👦🏳️‍🌈🧑🏽‍🤝‍🧑🏿",
    "a javascript link": '<a href="javascript:alert(1)">How do I buy a bus ticket?</a>',
    "stray closing tags": "</b></i>How do I buy a bus ticket?</a>",
    "Markdown": "*How* do _I_ buy a bus ticket?`",
}
OTHER = {  # nothing to understand -> an answer all the same, never an error
    "emoji only": "👩‍👩‍👧‍👦🏳️‍🌈🧑🏽‍🤝‍🧑🏿🇺🇦",
    "markup only": '</b><script>alert("x")</script><a href="javascript:alert(1)">*_[',
    "Markdown link": "[click here](http://evil.example) *_[",
    "control characters": "\x07\x1b[31m\x00\x08",
}
NOTHING = {  # nothing at all once the invisible is gone -> "type your question"
    "whitespace only": " \n\t \u00a0 \u3000 ",
    "zero-width only": "\u200b\u200d\u2060\ufeff\u202e",
}
TELLS = ["javascript", "evil.example", "<script", "\x00", "\u202e", "\u2066", "\x1b",
         "👩‍👩‍👧‍👦", "*_["]


async def answer(user: TelegramUser, text: str, help_text: str) -> list[BotMessage]:
    """Everything the bot sends in reply to `text`: /help goes after it, and a chat's messages
    are handled in order, so what comes before the help is the answer."""
    await user.send_text(text)
    await user.send_command("/help")
    seen = [await reply(user)]
    while seen[-1]["plain_text"] != help_text:
        seen.append(await reply(user))
    return seen[:-1]


def well_formed(messages: list[BotMessage], sent: str) -> None:
    """Telegram takes each message as sent, and none repeats what the person wrote."""
    assert messages
    for message in messages:
        shown = read(message["text"])
        assert shown.text == message["plain_text"] and shown.text.strip()
        assert len(message["plain_text"].encode("utf-16-le")) // 2 <= 4096
        for tell in TELLS:
            assert tell not in message["text"] or tell not in sent, (tell, message["text"])


@pytest.mark.parametrize("case", list(HIDDEN))
async def test_a_question_wrapped_in_hostile_input_gets_its_own_answer(
        telegram_bot: RunningBot, new_user: NewUser, case: str) -> None:
    help_text = telegram_bot.text("en", "help.text")
    user = new_user("en")
    await onboarded(user, "en")
    expected = await answer(user, QUESTION, help_text)
    got = await answer(user, HIDDEN[case], help_text)
    well_formed(got, HIDDEN[case])
    assert [(m["text"], m["reply_markup"]) for m in got] == \
        [(m["text"], m["reply_markup"]) for m in expected]


@pytest.mark.parametrize("case", list(OTHER))
async def test_hostile_input_without_a_question_gets_a_polite_answer(
        telegram_bot: RunningBot, new_user: NewUser, case: str) -> None:
    t = telegram_bot.text
    user = new_user("en")
    await onboarded(user, "de")
    got = await answer(user, OTHER[case], t("de", "help.text"))
    well_formed(got, OTHER[case])
    assert t("de", "notice.error") not in [m["plain_text"] for m in got]


@pytest.mark.parametrize("case", list(NOTHING))
async def test_nothing_but_blanks_asks_for_a_question(telegram_bot: RunningBot,
                                                      new_user: NewUser, case: str) -> None:
    t = telegram_bot.text
    user = new_user("en")
    await onboarded(user, "uk")
    got = await answer(user, NOTHING[case], t("uk", "help.text"))
    well_formed(got, NOTHING[case])
    assert [m["plain_text"] for m in got] == [t("uk", "notice.empty")]
