"""What can go wrong on Telegram: messages the bot cannot read, answers over the length limit,
and errors, which the person hears about kindly and the logs record without their words."""

from __future__ import annotations

import logging

import pytest

from actions import Button, Outcome, Reply
from bot.conversation import Person
from bot.telegram.render import TELEGRAM_LIMIT
from tests.e2e.chat import NewUser, RunningBot, buttons, onboarded, replies, reply

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]

FILE = {"file_id": "BQACAgQAAx", "file_unique_id": "AgADfile"}
NOT_TEXT = {
    "voice": {"voice": FILE | {"duration": 4, "mime_type": "audio/ogg"}},
    "photo": {"photo": [FILE | {"width": 90, "height": 90}]},
    "sticker": {"sticker": FILE | {"type": "regular", "width": 512, "height": 512,
                                   "is_animated": False, "is_video": False}},
    "document": {"document": FILE | {"file_name": "letter.pdf"}},
}


@pytest.mark.parametrize("kind", list(NOT_TEXT))
async def test_messages_that_are_not_text_get_a_polite_answer_in_the_persons_language(
        telegram_bot: RunningBot, new_user: NewUser, kind: str) -> None:
    t = telegram_bot.text
    user = new_user("en")
    await onboarded(user, "fa")
    await user.send_raw(NOT_TEXT[kind])
    answer = await reply(user)
    assert answer["plain_text"] == t("fa", "notice.unsupported")
    assert buttons(answer) == [t("fa", "button.human"), t("fa", "button.menu")]


async def test_an_answer_over_the_limit_comes_in_two_labelled_parts(
        telegram_bot: RunningBot, new_user: NewUser, monkeypatch: pytest.MonkeyPatch) -> None:
    """No guide entry is that long (700 characters at most), so the pipeline is replaced by one
    that answers with 4,400 characters (7,000 once escaped): under test is the Telegram side."""
    paragraph = " ".join(["Tom & Jerry <b>escaped</b>"] * 20)
    long_text = "\n\n".join(f"{n}. {paragraph}" for n in range(8))
    assert len(long_text) > TELEGRAM_LIMIT

    async def long_answer(person: Person, text: str) -> Outcome:
        return Outcome("transport.tickets", None, 1.0, "uk", (Reply(
            title="Title", text=long_text, buttons=((Button("👍", "fb:up:x"),),)),))

    monkeypatch.setattr(telegram_bot.services.conversations, "text", long_answer)
    user = new_user("en")
    await onboarded(user, "uk")
    await user.send_text("tell me everything")
    first, second = await replies(user, 2)
    for part in (first, second):
        assert len(part["plain_text"]) <= TELEGRAM_LIMIT
    assert first["plain_text"].endswith(telegram_bot.text("uk", "notice.part", n=1, total=2))
    assert second["plain_text"].endswith(telegram_bot.text("uk", "notice.part", n=2, total=2))
    assert first["reply_markup"] is None and buttons(second) == ["👍"]
    label = len(telegram_bot.text("uk", "notice.part", n=1, total=2)) + 2
    shown = first["plain_text"][:-label] + "\n\n" + second["plain_text"][:-label]
    assert shown == "Title\n\n" + long_text  # escaped, split on a paragraph, nothing lost
    await user.assert_no_reply()


async def test_an_error_gets_a_friendly_message_and_a_log_line_without_the_text(
        running_bot: RunningBot, new_user: NewUser, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    async def broken(person: Person, text: str) -> Outcome:
        raise RuntimeError("the pipeline broke")

    monkeypatch.setattr(running_bot.services.conversations, "text", broken)
    user = new_user("en")
    await onboarded(user, "es")
    secret = "my address is Hauptstraße 5 and my name is Amal"
    with caplog.at_level(logging.INFO):
        await user.send_text(secret)
        notice = await reply(user)
    assert notice["plain_text"] == running_bot.text("es", "notice.error")
    assert [type(error) for error in running_bot.errors] == [RuntimeError]
    running_bot.errors.clear()
    logged = caplog.text + "".join(str(record.exc_info) for record in caplog.records)
    assert "Error while handling an update: RuntimeError" in logged
    assert "Hauptstraße" not in logged and "Amal" not in logged
    assert str(user.user_id) not in caplog.text
