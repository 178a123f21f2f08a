"""Onboarding on Telegram: language (Telegram's first), city, privacy notice, deep links, and the
command list in every language."""

from __future__ import annotations

import time

import pytest

from bot.telegram.commands import COMMANDS
from guides.models import LANGUAGES
from tests.e2e.chat import NewUser, RunningBot, buttons, edit_of, onboarded, reply

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]


async def test_start_offers_every_language_by_its_own_name_telegrams_first(
        telegram_bot: RunningBot, new_user: NewUser) -> None:
    amina = new_user("ar")
    await amina.send_command("/start")
    picker = await reply(amina)
    assert picker["plain_text"] == telegram_bot.text("ar", "language.choose")
    labels = buttons(picker)
    assert labels[0] == "العربية"
    assert sorted(labels) == sorted(telegram_bot.text(code, "language.native_name")
                                    for code in LANGUAGES)


async def test_choosing_a_language_turns_the_picker_into_the_welcome_with_privacy_notice(
        telegram_bot: RunningBot, new_user: NewUser) -> None:
    omar = new_user("fa")
    await omar.send_command("/start")
    picker = await reply(omar)
    await omar.press("English")
    welcome = await edit_of(omar, picker)
    text = welcome["plain_text"]
    assert text.startswith("Welcome! I answer questions about arriving in Berlin")
    assert telegram_bot.text("en", "onboarding.privacy") in text  # what is kept, and /privacy
    assert "/privacy" in text and "/forget" in text
    assert buttons(welcome) == ["☰ Menu"]
    await omar.assert_no_reply()  # one message, edited: no flood


async def test_a_newcomer_gets_a_first_answer_in_their_language_within_a_minute(
        telegram_bot: RunningBot, new_user: NewUser) -> None:
    began = time.monotonic()
    oksana = new_user("ru")
    await oksana.send_command("/start")
    picker = await reply(oksana)
    await oksana.press("Українська")
    await edit_of(oksana, picker)
    await oksana.send_text("скільки коштує квиток на автобус")
    answer = await reply(oksana)
    titles = [entry.title["uk"] for entry in
              telegram_bot.content.city("berlin").entries_for("transport.tickets")]
    assert any(answer["plain_text"].startswith(title) for title in titles), answer["plain_text"]
    assert time.monotonic() - began < 60


async def test_deep_link_presets_language_and_city(telegram_bot: RunningBot,
                                                   new_user: NewUser) -> None:
    lena = new_user("en")
    await lena.send_command("/start", "uk_berlin")  # from a poster's QR code
    welcome = await reply(lena)
    assert welcome["plain_text"].startswith(
        telegram_bot.text("uk", "onboarding.welcome", city="Берлін"))
    assert buttons(welcome) == [telegram_bot.text("uk", "button.menu")]


async def test_language_and_city_can_be_changed_later(telegram_bot: RunningBot,
                                                      new_user: NewUser) -> None:
    hans = new_user("de")
    await onboarded(hans, "en")
    await hans.send_command("/language")
    picker = await reply(hans)
    assert buttons(picker)[0] == "Deutsch"
    await hans.press("Deutsch")
    done = await edit_of(hans, picker)
    assert done["plain_text"] == telegram_bot.text("de", "language.changed")
    await hans.send_command("/city")
    cities = await reply(hans)
    assert cities["plain_text"] == telegram_bot.text("de", "city.choose")
    await hans.press("Berlin")
    done = await edit_of(hans, cities)
    assert done["plain_text"] == telegram_bot.text("de", "city.changed", city="Berlin")


async def test_commands_are_registered_in_every_language(telegram_bot: RunningBot) -> None:
    assert telegram_bot.commands_registered
    bot = telegram_bot.application.bot
    for lang in ("en", "ar", "uk"):
        commands = await bot.get_my_commands(language_code=lang)
        assert [command.command for command in commands] == list(COMMANDS)
        assert commands[-1].description == telegram_bot.text(lang, "command.help")
    default = await bot.get_my_commands()
    assert default[0].description == telegram_bot.text("en", "command.start")
