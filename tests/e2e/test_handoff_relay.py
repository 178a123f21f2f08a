"""A person asks for a human and talks with a caseworker through the bot, in a forum topic or
threaded on the card: card, replies both ways (text and media), /close with a note, a rating."""

from __future__ import annotations

import time

import pytest

from tests.e2e.chat import buttons, onboarded, replies, reply
from tests.e2e.handoff import HandoffBot, plain
from tests.emulator.harness import BotMessage, TelegramUser

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]

PHOTO = {"photo": [{"file_id": "AgACAgQAAxph", "file_unique_id": "AQADph", "width": 90,
                    "height": 90}]}


async def test_a_person_and_a_caseworker_talk_until_the_request_is_closed_and_rated(
        caseworker_bot: HandoffBot) -> None:
    bot, t = caseworker_bot, caseworker_bot.text
    amina = bot.person("uk", "Amina")
    jana = await bot.caseworker("Jana")
    await onboarded(amina, "uk")
    question = "Як знайти квартиру в Берліні?"
    await amina.send_text(question)
    await reply(amina)  # the bot's own answer

    asked = time.time()
    await amina.send_command("/human")
    consent = await reply(amina)
    assert t("uk", "handoff.consent") in plain(consent)  # who sees what, before anything
    assert question in plain(consent)
    assert buttons(consent) == [t("uk", "button.human_confirm"), t("uk", "button.cancel")]
    assert bot.tickets() == []  # nothing stored before the person agrees

    confirmed = time.time()
    await amina.press(t("uk", "button.human_confirm"))
    opened = await reply(amina)
    [ticket] = bot.tickets()
    wait = t("uk", "handoff.wait.minutes", minutes=30)
    assert plain(opened) == t("uk", "handoff.opened", ticket=ticket.id, wait=wait)

    card = await reply(jana)
    print(f"\nrequest-to-card: {(card['time'] - confirmed) * 1000:.0f} ms from the person's "
          f"confirmation to the card in the group ({(card['time'] - asked) * 1000:.0f} ms "
          "from /human, the consent screen in between)")
    text = plain(card)
    assert t("de", "caseworker.card.request", ticket=ticket.id) in text
    assert "Українська (uk)" in text and "Berlin" in text
    assert t("de", "topic.services.housing") in text and question in text
    assert "Amina" not in text and str(amina.user_id) not in text  # no name, no chat id
    assert card["message_thread_id"] is not None  # a forum topic of its own

    desk = jana.in_topic(card["message_thread_id"])
    await desk.send_text("Guten Tag, ich helfe Ihnen gern.")
    answer = await reply(amina)
    assert plain(answer) == t("uk", "handoff.from_caseworker") + \
        "\n\nGuten Tag, ich helfe Ihnen gern."

    await amina.send_text("Дякую! Мені потрібна кімната з квітня.")
    [relayed] = await replies(desk, 1)
    assert plain(relayed) == f"👤 #{ticket.id}\n\nДякую! Мені потрібна кімната з квітня."
    assert plain(await reply(amina)) == t("uk", "handoff.added", ticket=ticket.id)

    await amina.send_raw(PHOTO | {"caption": "мій договір"})
    [copied] = await replies(desk, 1)
    assert copied["method"] == "copyMessage" and copied["photo"]
    assert copied["caption"] == f"👤 #{ticket.id}\nмій договір"

    await desk.send_command("/close", "Wohnungsberatung vermittelt")
    assert plain(await reply(desk)) == t("de", "caseworker.closed", ticket=ticket.id, minutes=0)
    closed = await reply(amina)
    assert plain(closed) == t("uk", "handoff.closed", ticket=ticket.id)
    assert buttons(closed) == ["👍", "👎"]
    await amina.press("👍")
    assert plain(await reply(amina)) == t("uk", "feedback.thanks")

    [ticket] = bot.tickets()
    assert (ticket.status, ticket.rating, ticket.chat_id) == ("closed", 5, None)
    assert ticket.claimed_at is not None and ticket.closed_at is not None
    assert bot.ticket_texts(ticket.id) == [
        ("user", question), ("caseworker", "Guten Tag, ich helfe Ihnen gern."),
        ("user", "Дякую! Мені потрібна кімната з квітня."), ("user", "[photo] мій договір"),
        ("note", "Wohnungsberatung vermittelt")]
    assert "Wohnungsberatung" not in str([plain(m) for m in await amina.drain()])
    assert set(bot.outbox_states()) == {"sent"}


async def test_without_topics_the_conversation_threads_on_the_card(
        caseworker_bot: HandoffBot) -> None:
    bot, t = caseworker_bot, caseworker_bot.text
    omar = bot.person("ar", "Omar")
    jana = await bot.caseworker("Jana", forum=False)
    await onboarded(omar, "ar")
    await omar.send_command("/human")
    await reply(omar)
    await omar.press(t("ar", "button.human_confirm"))
    await reply(omar)
    card = await reply(jana)
    [ticket] = bot.tickets()
    assert card["message_thread_id"] is None
    assert t("de", "caseworker.card.request", ticket=ticket.id) in plain(card)

    await jana.send_text("Hallo Omar, wie kann ich helfen?", reply_to_message=quote(jana, card))
    assert plain(await reply(omar)).endswith("Hallo Omar, wie kann ich helfen?")
    await omar.send_text("أحتاج موعدًا في مكتب الأجانب")
    relayed = await reply(jana)
    assert plain(relayed).endswith("أحتاج موعدًا في مكتب الأجانب")
    assert relayed["reply_parameters"]["message_id"] == card["message_id"]  # threaded on it
    await reply(omar)  # "I added this to your request"

    await jana.send_command("/claim", reply_to_message=quote(jana, relayed))
    assert plain(await reply(jana)) == t("de", "caseworker.already_claimed", ticket=ticket.id)
    await jana.send_command("/close", reply_to_message=quote(jana, relayed))
    assert plain(await reply(jana)) == t("de", "caseworker.closed", ticket=ticket.id, minutes=0)
    assert plain(await reply(omar)) == t("ar", "handoff.closed", ticket=ticket.id)
    assert bot.tickets()[0].status == "closed"


def quote(member: TelegramUser, message: BotMessage) -> dict[str, object]:
    """The `reply_to_message` of a reply to one of the bot's messages in the group."""
    return {"message_id": message["message_id"], "date": int(time.time()), "chat": member.chat,
            "text": str(message.get("plain_text") or "")}
