"""The caseworkers' side: finding the ticket of a command, /claim, /close with a note, /note,
/queue, replies to the person, and re-announcing what nobody took — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from bot.conversation import Person
from bot.handoff import GroupPlace, Relayed
from storage.inbox import store_updates
from storage.outbox import finish_sent, set_thread
from tests.handoff.conftest import GROUP, Desked, outcome

HERE = GroupPlace(message_id=1)  # a command typed in the group, outside any topic


async def opened(desked: Desked, person: Person, route: str = "services.housing") -> int:
    await desked.handoff.after_answer(person, "question", outcome(route), "berlin")
    await desked.handoff.press(person, "handoff:yes", "uk", "berlin")
    return desked.tickets()[-1].id


async def test_a_command_finds_its_ticket_by_number_topic_or_reply(
        desked: Desked, person: Callable[..., Person]) -> None:
    ticket = await opened(desked, person())
    set_thread(desked.db, ticket, 4711)
    finish_sent(desked.db, 1, 900)  # the card, message 900 in the group
    casework = desked.casework
    assert await casework.target(HERE, f"#{ticket} called back") == (ticket, "called back")
    assert await casework.target(HERE, f"{ticket} called back") == (ticket, "called back")
    assert await casework.target(GroupPlace(thread_id=4711), "12 flats") == (ticket, "12 flats")
    assert await casework.target(GroupPlace(reply_to=900), "done") == (ticket, "done")
    assert await casework.target(HERE, "done") == (None, "")


async def test_claim_tells_the_person_once_and_close_asks_for_a_rating(
        desked: Desked, person: Callable[..., Person]) -> None:
    ticket = await opened(desked, person())
    set_thread(desked.db, ticket, 4711)
    topic = GroupPlace(thread_id=4711, message_id=5)
    await desked.casework.claim(ticket, None, topic)
    await desked.casework.claim(ticket, None, topic)
    answers = [o.text for o in desked.owed(GROUP)[1:]]
    assert answers == [desked.cw("caseworker.claimed", ticket=ticket),
                       desked.cw("caseworker.already_claimed", ticket=ticket)]
    assert [o.thread_id for o in desked.owed(GROUP)[1:]] == [4711, 4711]
    [claimed] = desked.owed(5501)
    assert claimed.text == desked.t("uk", "handoff.claimed", ticket=ticket)

    desked.clock.advance(minutes=12)
    await desked.casework.close(ticket, "referred to the housing office", None, topic)
    [closed] = desked.tickets()
    assert closed.status == "closed" and closed.chat_id is None
    assert desked.texts(ticket)[-1] == ("note", "referred to the housing office")
    notice = desked.owed(5501)[-1]
    assert notice.text == desked.t("uk", "handoff.closed", ticket=ticket)
    assert [button[1] for button in notice.data["buttons"][0]] == [f"rate:up:{ticket}",
                                                                    f"rate:down:{ticket}"]
    assert "referred" not in str([o.data for o in desked.owed(5501)])  # the note stays inside
    group = desked.owed(GROUP)
    assert group[-2].text == desked.cw("caseworker.closed", ticket=ticket, minutes=12)
    assert (group[-1].kind, group[-1].thread_id) == ("close_topic", 4711)

    await desked.casework.close(ticket, "", None, topic)
    assert desked.owed(GROUP)[-1].text == desked.cw("caseworker.ticket_closed", ticket=ticket)
    await desked.casework.claim(None, None, HERE)
    assert desked.owed(GROUP)[-1].text == desked.cw("caseworker.no_ticket")


async def test_notes_stay_internal(desked: Desked, person: Callable[..., Person]) -> None:
    ticket = await opened(desked, person())
    await desked.casework.note(ticket, "called the shelter", None, HERE)
    await desked.casework.note(ticket, "", None, HERE)
    assert desked.texts(ticket)[-1] == ("note", "called the shelter")
    assert [o.text for o in desked.owed(GROUP)[1:]] == [
        desked.cw("caseworker.note_saved", ticket=ticket), desked.cw("caseworker.note_empty")]
    assert desked.owed(5501) == []
    assert desked.owed(GROUP)[1].data["reply_to"] == 1  # answers the command it was given


async def test_the_queue_lists_urgent_first_then_the_longest_waiting(
        desked: Desked, person: Callable[..., Person]) -> None:
    first = await opened(desked, person("key-1", 1))
    desked.clock.advance(minutes=5)
    second = await opened(desked, person("key-2", 2))
    desked.clock.advance(minutes=5)
    urgent = await opened(desked, person("key-3", 3), route="services.children")
    taken = await opened(desked, person("key-4", 4))
    await desked.casework.claim(taken, None, HERE)
    desked.clock.advance(minutes=1)
    await desked.casework.queue(None, HERE)
    lines = desked.owed(GROUP)[-1].text.splitlines()
    assert lines[0] == desked.cw("caseworker.queue.title")
    assert [line.split(" · ")[0] for line in lines[1:4]] == [f"🆘 #{urgent}", f"• #{first}",
                                                             f"• #{second}"]
    assert lines[2].endswith(desked.cw("caseworker.queue.minutes", minutes=11))
    assert lines[4] == desked.cw("caseworker.queue.claimed", count=1)


async def test_a_caseworker_reply_reaches_the_person_once_and_takes_the_ticket(
        desked: Desked, person: Callable[..., Person]) -> None:
    ticket = await opened(desked, person())
    store_updates(desked.db, [(501, "{}")])
    hello = Relayed("text", "Guten Tag, ich helfe Ihnen.", GROUP, 44)
    await desked.casework.relay(ticket, 501, hello, HERE)
    await desked.casework.relay(ticket, 501, hello, HERE)  # the same update again
    [reply] = desked.owed(5501)
    assert reply.text == desked.t("uk", "handoff.from_caseworker") + \
        "\n\nGuten Tag, ich helfe Ihnen."
    assert desked.tickets()[0].status == "claimed"
    assert desked.texts(ticket)[-1] == ("caseworker", "Guten Tag, ich helfe Ihnen.")
    await desked.casework.relay(ticket, None, Relayed("voice", "", GROUP, 45), HERE)
    voice = desked.owed(5501)[-1]
    assert (voice.kind, voice.data["from_chat_id"], voice.data["caption"]) == (
        "copy", GROUP, desked.t("uk", "handoff.from_caseworker"))


async def test_unclaimed_tickets_are_announced_again_after_the_configured_minutes(
        desked: Desked, person: Callable[..., Person]) -> None:
    ticket = await opened(desked, person())
    desked.clock.advance(minutes=14)
    assert await desked.casework.reannounce() == 0
    desked.clock.advance(minutes=2)
    assert await desked.casework.reannounce() == 1
    assert desked.owed(GROUP)[-1].text == desked.cw("caseworker.reannounce", ticket=ticket,
                                                    minutes=16)
    assert await desked.casework.reannounce() == 0  # not again right away
    desked.clock.advance(minutes=15)
    await desked.casework.claim(ticket, None, HERE)
    assert await desked.casework.reannounce() == 0  # taken: no more reminders
