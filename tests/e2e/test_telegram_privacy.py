"""/privacy, /help and /forget on Telegram: what is kept, and erasing it after a confirmation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage import user_key
from storage.models import Feedback
from tests.e2e.chat import NewUser, RunningBot, buttons, edit_of, onboarded, reply

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]


async def test_privacy_and_help_answer_in_the_persons_language(telegram_bot: RunningBot,
                                                               new_user: NewUser) -> None:
    user = new_user("en")
    await onboarded(user, "fr")
    await user.send_command("/privacy")
    privacy = await reply(user)
    assert privacy["plain_text"] == telegram_bot.text("fr", "privacy.text", days=30)
    await user.send_command("/help")
    assert (await reply(user))["plain_text"] == telegram_bot.text("fr", "help.text")
    await user.send_command("/whatever")  # an unknown command gets the help too
    assert (await reply(user))["plain_text"] == telegram_bot.text("fr", "help.text")


async def test_forget_asks_for_confirmation_then_erases_everything(
        telegram_bot: RunningBot, new_user: NewUser) -> None:
    t = telegram_bot.text
    user = new_user("tr")
    key = user_key(telegram_bot.services.settings.user_key_secret_value(), "telegram",
                   user.user_id)
    await onboarded(user, "tr")
    await user.send_command("/menu")
    menu = await reply(user)
    await user.press(t("tr", "topic.language.courses"))
    await edit_of(user, menu)
    await user.press(telegram_bot.content.city("berlin").entries_for(
        "language.courses")[0].title["tr"])
    await reply(user)
    await user.press("👍")
    await reply(user)
    assert key in telegram_bot.known_users()
    with telegram_bot.services.db.session() as session:
        votes = session.scalar(select(func.count()).select_from(Feedback)
                               .where(Feedback.user_key == key))
    assert votes == 1

    await user.send_command("/forget")
    confirm = await reply(user)
    assert confirm["plain_text"] == t("tr", "forget.confirm")
    assert buttons(confirm) == [t("tr", "button.yes_forget"), t("tr", "button.cancel")]
    await user.press(t("tr", "button.cancel"))
    kept = await edit_of(user, confirm)
    assert kept["plain_text"] == t("tr", "forget.cancelled")
    assert key in telegram_bot.known_users()

    await user.send_command("/forget")
    confirm = await reply(user)
    await user.press(t("tr", "button.yes_forget"))
    done = await edit_of(user, confirm)
    assert done["plain_text"] == t("tr", "forget.done")
    assert key not in telegram_bot.known_users()
    with telegram_bot.services.db.session() as session:
        left = session.scalar(select(func.count()).select_from(Feedback)
                              .where(Feedback.user_key == key))
    assert left == 0
