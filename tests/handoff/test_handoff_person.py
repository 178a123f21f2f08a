"""The person's side: consent before anything is stored, one ticket at a time, the card, relays,
/end, rating, safety routes, office hours and /forget — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from bot.conversation import Person
from bot.handoff import Relayed
from storage import forget_user
from storage.inbox import store_updates
from storage.outbox import finish_sent
from tests.handoff.conftest import GROUP, Desked, outcome
from tests.storage.scan import rows_containing


async def test_nothing_is_stored_until_the_person_agrees(
        desked: Desked, person: Callable[..., Person]) -> None:
    amina = person()
    await desked.handoff.after_answer(amina, "Як знайти квартиру?", outcome("services.housing"),
                                      "berlin")
    [consent] = await desked.handoff.press(amina, "human", "uk", "berlin") or []
    assert desked.t("uk", "handoff.consent") in consent.text
    assert "Як знайти квартиру?" in consent.text  # she sees what would be shared
    assert [b.action for b in consent.buttons[0]] == ["handoff:yes", "handoff:no"]
    assert desked.tickets() == [] and desked.owed() == []

    [cancelled] = await desked.handoff.press(amina, "handoff:no", "uk", "berlin") or []
    assert cancelled.text == desked.t("uk", "handoff.cancelled")
    assert desked.tickets() == [] and desked.owed() == []


async def test_agreeing_stores_the_ticket_and_owes_the_group_a_card_with_the_exchanges(
        desked: Desked, person: Callable[..., Person]) -> None:
    amina = person()
    for text in ("Привіт", "Як знайти квартиру?"):
        await desked.handoff.after_answer(amina, text, outcome("services.housing", "Renting"),
                                          "berlin")
    [opened] = await desked.handoff.press(amina, "handoff:yes", "uk", "berlin") or []
    [ticket] = desked.tickets()
    wait = desked.t("uk", "handoff.wait.minutes", minutes=30)
    assert opened.text == desked.t("uk", "handoff.opened", ticket=ticket.id, wait=wait)
    assert (ticket.status, ticket.topic, ticket.lang, ticket.chat_id) == (
        "open", "services.housing", "uk", 5501)
    assert desked.texts(ticket.id) == [("user", "Привіт"), ("user", "Як знайти квартиру?")]
    [card] = desked.owed()
    assert (card.chat_id, card.purpose, card.ticket_id) == (GROUP, "card", ticket.id)
    assert desked.cw("caseworker.card.request", ticket=ticket.id) in card.text
    assert "Українська (uk)" in card.text and "👤 Як знайти квартиру?" in card.text
    assert "🤖 Renting" in card.text
    assert "5501" not in card.text and "key-amina" not in card.text  # no chat id, no key
    assert card.data["topic_name"] == f"#{ticket.id} · uk · Housing"


async def test_asking_again_adds_to_the_one_open_ticket(
        desked: Desked, person: Callable[..., Person]) -> None:
    amina = person()
    await desked.handoff.press(amina, "handoff:yes", "uk", "berlin")
    [again] = await desked.handoff.press(amina, "handoff:yes", "uk", "berlin") or []
    [ticket] = desked.tickets()
    assert again.text == desked.t("uk", "handoff.already_open", ticket=ticket.id)
    [reminder] = await desked.handoff.press(amina, "human", "uk", "berlin") or []
    assert reminder.text == again.text
    assert desked.owed(GROUP)[-1].text == desked.cw("caseworker.asked_again", ticket=ticket.id,
                                                    minutes=0)
    assert len(desked.tickets()) == 1


async def test_messages_go_to_the_ticket_once_per_update(
        desked: Desked, person: Callable[..., Person]) -> None:
    amina = person()
    message = Relayed("text", "Мені потрібна кімната", 5501, 10)
    assert not await desked.handoff.relay_from_person(amina, 1, message)  # no ticket: the bot
    await desked.handoff.press(amina, "handoff:yes", "uk", "berlin")
    [ticket] = desked.tickets()
    store_updates(desked.db, [(77, "{}")])  # the update came through the inbox
    assert await desked.handoff.relay_from_person(amina, 77, message)
    assert await desked.handoff.relay_from_person(amina, 77, message)  # rerun after a crash
    assert desked.texts(ticket.id) == [("user", "Мені потрібна кімната")]
    relays = [o for o in desked.owed(GROUP) if o.purpose == "relay"]
    assert [o.text for o in relays] == [f"👤 #{ticket.id}\n\nМені потрібна кімната"]
    [added] = desked.owed(5501)  # the first message is acknowledged, once
    assert added.text == desked.t("uk", "handoff.added", ticket=ticket.id)

    photo = Relayed("photo", "договір", 5501, 11)
    assert await desked.handoff.relay_from_person(amina, 78, photo)
    copy = desked.owed(GROUP)[-1]
    assert (copy.kind, copy.data["caption"], copy.data["message_id"]) == (
        "copy", f"👤 #{ticket.id}\nдоговір", 11)
    assert len(desked.owed(5501)) == 1


async def test_the_person_ends_their_ticket_and_may_rate_it(
        desked: Desked, person: Callable[..., Person]) -> None:
    amina = person()
    await desked.handoff.end(amina, "uk", None)
    assert desked.owed(5501)[-1].text == desked.t("uk", "handoff.none")
    await desked.handoff.press(amina, "handoff:yes", "uk", "berlin")
    [ticket] = desked.tickets()
    await desked.handoff.end(amina, "uk", None)
    assert desked.owed(5501)[-1].text == desked.t("uk", "handoff.ended", ticket=ticket.id)
    assert desked.owed(GROUP)[-1].text == desked.cw("caseworker.ended", ticket=ticket.id)
    [ticket] = desked.tickets()
    assert ticket.status == "closed" and ticket.chat_id is None
    other = person("key-omar", 5502)
    await desked.handoff.press(other, f"rate:up:{ticket.id}", "ar", None)  # not his: ignored
    assert desked.tickets()[0].rating is None
    [thanks] = await desked.handoff.press(amina, f"rate:down:{ticket.id}", "uk", None) or []
    assert thanks.text == desked.t("uk", "feedback.sorry")
    assert desked.tickets()[0].rating == 1


async def test_a_safety_route_opens_an_urgent_ticket_and_card_before_consent(
        desked: Desked, person: Callable[..., Person]) -> None:
    sara = person("key-sara", 5503)
    words = "my husband hits me"
    answered = await desked.handoff.after_answer(sara, words, outcome("services.gbv", lang="en"),
                                                 "berlin")
    [ticket] = desked.tickets()
    assert ticket.urgent and ticket.status == "open"
    notice, consent = answered.replies[-2:]
    assert notice.text == desked.t("en", "handoff.urgent")
    assert consent.buttons[0][0].action == "handoff:yes:urgent"
    [card] = desked.owed(GROUP)
    assert desked.cw("caseworker.card.urgent") in card.text
    assert desked.cw("caseworker.card.no_consent") in card.text
    assert words not in card.text and desked.texts(ticket.id) == []

    await desked.handoff.after_answer(sara, words, outcome("emergency", lang="en"), "berlin")
    assert len(desked.owed(GROUP)) == 1  # the same ticket: no second card
    await desked.handoff.press(sara, "handoff:yes:urgent", "en", "berlin")
    assert desked.texts(ticket.id) == [("user", words), ("user", words)]
    shared = desked.owed(GROUP)[-1]
    assert shared.text.startswith(desked.cw("caseworker.consented", ticket=ticket.id))
    assert words in shared.text


async def test_declining_an_urgent_ticket_closes_it_and_tells_the_team(
        desked: Desked, person: Callable[..., Person]) -> None:
    sara = person("key-sara", 5503)
    await desked.handoff.after_answer(sara, "help", outcome("emergency", lang="en"), "berlin")
    await desked.handoff.press(sara, "handoff:no", "en", "berlin")
    [ticket] = desked.tickets()
    assert ticket.status == "closed"
    assert desked.owed(GROUP)[-1].text == desked.cw("caseworker.declined", ticket=ticket.id)


async def test_unsure_answers_and_channels_without_address_open_nothing(
        desked: Desked, person: Callable[..., Person]) -> None:
    await desked.handoff.after_answer(person(), "?", outcome("emergency", status="clarify"),
                                      None)
    console = person(chat=None)
    await desked.handoff.after_answer(console, "help", outcome("emergency"), None)
    assert await desked.handoff.press(console, "human", "uk", None) is None
    assert desked.tickets() == []


async def test_out_of_office_hours_the_person_hears_when_and_the_numbers(
        desked: Desked, person: Callable[..., Person]) -> None:
    desked.clock.advance(days=3, hours=11)  # Saturday 22:00 in Berlin
    replies = await desked.handoff.press(person(), "handoff:yes", "de", "berlin") or []
    when = desked.t("de", "handoff.when.day", day=desked.t("de", "weekday.mon"), time="09:00")
    assert replies[-1].text.startswith(desked.t("de", "handoff.out_of_hours", when=when))
    assert "☎ 112" in replies[-1].text and "☎ 116 016" in replies[-1].text


async def test_forget_erases_the_ticket_rows_and_deletes_what_the_group_got(
        desked: Desked, person: Callable[..., Person]) -> None:
    amina = person()
    await desked.handoff.after_answer(amina, "MARKER-AMINA flat", outcome("services.housing"),
                                      "berlin")
    await desked.handoff.press(amina, "handoff:yes", "uk", "berlin")
    await desked.handoff.relay_from_person(amina, None, Relayed("text", "MARKER-AMINA", 5501, 3))
    [ticket] = desked.tickets()
    finish_sent(desked.db, 1, 901)  # the card reached the group (not a forum) as message 901
    await desked.handoff.forget(amina)
    forget_user(desked.db, amina.key, chat_id=5501)
    assert desked.tickets() == [] and desked.thread(ticket.id) is None
    assert rows_containing(desked.db, "MARKER-AMINA", "key-amina", "5501") == []
    deletions = [o for o in desked.owed(GROUP) if o.kind == "delete"]
    assert [o.data["message_id"] for o in deletions] == [901]
    assert desked.owed(GROUP)[-1].text == desked.cw("caseworker.forgotten", ticket=ticket.id)


async def test_asking_for_a_person_in_words_goes_straight_to_consent_about_the_last_topic(
        desked: Desked, person: Callable[..., Person]) -> None:
    amina = person()
    await desked.handoff.after_answer(amina, "Як знайти квартиру?", outcome("services.housing"),
                                      "berlin")
    asked = await desked.handoff.after_answer(amina, "хочу поговорити з людиною",
                                              outcome("handoff"), "berlin")
    [consent] = asked.replies
    assert desked.t("uk", "handoff.consent") in consent.text
    assert desked.t("uk", "topic.services.housing") in consent.text
    assert "поговорити" not in consent.text  # the request itself is no context
    await desked.handoff.press(amina, "handoff:yes", "uk", "berlin")
    assert desked.tickets()[0].topic == "services.housing"
