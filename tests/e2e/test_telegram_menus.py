"""The menu on Telegram: topics, then entries, then back, all in one message edited in place;
an entry opens as a new message with its answer."""

from __future__ import annotations

import pytest

from tests.e2e.chat import NewUser, RunningBot, buttons, edit_of, onboarded, reply

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]


async def test_menu_navigation_by_callbacks_edits_one_message(telegram_bot: RunningBot,
                                                              new_user: NewUser) -> None:
    t = telegram_bot.text
    tickets = telegram_bot.content.city("berlin").entries_for("transport.tickets")
    user = new_user("de")
    await onboarded(user, "de")

    await user.send_command("/menu")
    menu = await reply(user)
    assert menu["plain_text"] == t("de", "menu.title")
    labels = buttons(menu)
    assert t("de", "topic.transport.tickets") in labels
    assert labels[-2:] == [t("de", "button.near"), t("de", "button.human")]

    await user.press(t("de", "topic.transport.tickets"))
    topic = await edit_of(user, menu)
    assert topic["plain_text"] == t("de", "menu.topic", topic=t("de", "topic.transport.tickets"))
    assert buttons(topic) == [entry.title["de"] for entry in tickets] + [
        t("de", "button.near"), t("de", "button.back")]

    await user.press(t("de", "button.back"))
    again = await edit_of(user, menu)
    assert again["plain_text"] == t("de", "menu.title")
    assert buttons(again) == labels

    await user.press(t("de", "topic.transport.tickets"))
    await edit_of(user, menu)
    await user.press(tickets[1].title["de"])
    answer = await reply(user)  # a new message: the menu stays where it was
    assert answer["plain_text"].startswith(tickets[1].title["de"])
    assert answer["text"].startswith(f"<b>{tickets[1].title['de']}</b>")
    assert user.message(menu["message_id"])["plain_text"] == topic["plain_text"]
    await user.assert_no_reply()
