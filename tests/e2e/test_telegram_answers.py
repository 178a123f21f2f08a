"""Free text on Telegram goes through the real pipeline (Rasa) and comes back in the person's
language with related entries, services near me, a person, and 👍/👎 that are stored."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from storage import user_key
from storage.models import Feedback
from tests.e2e.chat import NewUser, RunningBot, buttons, onboarded, reply

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]

QUESTIONS = [
    ("en", "I need a lawyer but I have no money", "services.legal_aid"),
    ("ar", "كم سعر تذكرة الباص؟", "transport.tickets"),
    ("uk", "як орендувати квартиру в Берліні", "services.housing"),
]


@pytest.mark.parametrize(("lang", "question", "topic"), QUESTIONS)
async def test_free_text_is_answered_in_the_persons_language_with_buttons(
        telegram_bot: RunningBot, new_user: NewUser, lang: str, question: str,
        topic: str) -> None:
    t = telegram_bot.text
    user = new_user(lang)
    await onboarded(user, lang)
    await user.send_text(question)
    answer = await reply(user)
    entries = telegram_bot.content.city("berlin").entries_for(topic)
    shown = next((entry for entry in entries
                  if answer["plain_text"].startswith(entry.title[lang])), None)
    assert shown is not None, answer["plain_text"]
    assert shown.answer[lang][:40] in answer["plain_text"]
    labels = buttons(answer)
    related = [entry.title[lang] for entry in entries if entry.id != shown.id]
    assert labels[:len(related)] == related
    assert labels[len(related):] == [t(lang, "button.near"), t(lang, "button.human"), "👍", "👎",
                                     t(lang, "button.menu")]


async def test_feedback_buttons_thank_and_are_stored(telegram_bot: RunningBot,
                                                     new_user: NewUser) -> None:
    t = telegram_bot.text
    user = new_user("en")
    key = user_key(telegram_bot.services.settings.user_key_secret_value(), "telegram",
                   user.user_id)

    def stored() -> list[tuple[str, int, str, str]]:
        with telegram_bot.services.db.session() as session:
            votes = session.scalars(select(Feedback).where(Feedback.user_key == key))
            return [(vote.entry_id, vote.vote, vote.lang, vote.city) for vote in votes]

    await onboarded(user, "en")
    await user.send_text("how much is a ticket for the bus")
    await reply(user)
    await user.press("👍")
    thanks = await reply(user)
    assert thanks["plain_text"] == t("en", "feedback.thanks")
    [(entry, vote, lang, city)] = stored()
    assert entry in telegram_bot.content.city("berlin").entries
    assert (vote, lang, city) == (1, "en", "berlin")

    await user.press("👎")  # a change of mind replaces the vote
    sorry = await reply(user)
    assert sorry["plain_text"] == t("en", "feedback.sorry")
    assert buttons(sorry) == [t("en", "button.human"), t("en", "button.menu")]
    assert stored() == [(entry, -1, "en", "berlin")]


async def test_shared_location_gets_the_nearest_services(telegram_bot: RunningBot,
                                                         new_user: NewUser) -> None:
    t = telegram_bot.text
    user = new_user("en")
    await onboarded(user, "en")
    await user.send_command("/menu")
    menu = await reply(user)
    await user.press(t("en", "topic.services.registration"))
    await user.wait_for_edit(menu["message_id"])
    await user.press(t("en", "button.near"))
    ask = await reply(user)
    assert ask["plain_text"] == t("en", "near.ask")
    keyboard = ask["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": t("en", "button.share_location"), "request_location": True}]]

    await user.send_location(52.4812, 13.4350)  # Neukölln
    results = await reply(user)
    assert results["reply_markup"] == {"remove_keyboard": True}  # the location keyboard goes
    text = results["plain_text"]
    assert text.startswith(t("en", "near.title"))
    nearest = text.split("\n\n")[1]
    assert nearest.splitlines()[0] == "Bürgeramt Neukölln (Donaustraße) — 0.3 km"
    assert "📍 Donaustraße 29, 12043 Berlin" in nearest
    assert "🕒 " + t("en", "near.hours_unknown") in nearest
    assert "🗣 Languages: Deutsch" in nearest
    with_buttons = await user.wait_for_edit(results["message_id"])
    assert buttons(with_buttons) == [t("en", "button.menu"), t("en", "button.human")]


async def test_a_typed_district_stands_for_a_location(telegram_bot: RunningBot,
                                                      new_user: NewUser) -> None:
    user = new_user("ar")
    await onboarded(user, "ar")
    await user.send_text("Kreuzberg")
    results = await reply(user)
    assert results["plain_text"].startswith(
        telegram_bot.text("ar", "near.title_place", place="Kreuzberg"))
    first = results["plain_text"].split("\n\n")[1].splitlines()[0]
    assert re.search(r" — \d+\.\d كم$", first), first
