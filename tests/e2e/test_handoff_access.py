"""Only members of the caseworker group can act on requests; caseworker commands anywhere else
are refused politely, and /queue lists what waits."""

from __future__ import annotations

import pytest

from tests.e2e.chat import onboarded, reply
from tests.e2e.handoff import HandoffBot, plain
from tests.emulator.harness import TelegramUser

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]


async def open_request(bot: HandoffBot, person: TelegramUser, lang: str,
                       caseworker: TelegramUser) -> int:
    """The person asks for a human and agrees; the card reaches the group."""
    await onboarded(person, lang)
    await person.send_command("/human")
    await reply(person)
    await person.press(bot.text(lang, "button.human_confirm"))
    await reply(person)
    await reply(caseworker)
    return bot.tickets()[-1].id


async def test_a_non_member_cannot_close_a_request_and_commands_elsewhere_are_refused(
        caseworker_bot: HandoffBot) -> None:
    bot, t = caseworker_bot, caseworker_bot.text
    jana = await bot.caseworker("Jana")
    amina = bot.person("uk", "Amina")
    ticket = await open_request(bot, amina, "uk", jana)

    # Someone in the caseworker group who is not (or no longer) a member.
    eve = TelegramUser.in_group(bot.api, 779_001, "Eve", bot.group_id)
    async with bot.inbox_paused():
        await eve.send_command("/close", f"#{ticket} spam")
        await eve.leave()  # gone before the bot looks: getChatMember says "left"
    refusal = await reply(eve)
    assert plain(refusal) == t("de", "caseworker.not_member")
    assert [plain(m) for m in await jana.drain()] == [plain(refusal)]  # the group saw only that

    # A person in their private chat with the bot.
    luc = bot.person("fr", "Luc")
    await onboarded(luc, "fr")
    await luc.send_command("/close", str(ticket))
    assert plain(await reply(luc)) == t("fr", "caseworker.only_in_group")

    # A member of another group the bot is in.
    other = TelegramUser.in_group(bot.api, 779_002, "Max", bot.group_id - 5_000)
    await other.join()
    await other.send_command("/claim", str(ticket))
    assert plain(await reply(other)) == t("de", "caseworker.only_in_group")

    [request] = bot.tickets()
    assert request.status == "open" and request.claimed_at is None
    await amina.assert_no_reply(within=0.5)  # nobody told her anything happened

    await jana.send_command("/queue")
    queue = plain(await reply(jana))
    assert queue.startswith(t("de", "caseworker.queue.title"))
    assert f"#{ticket} · uk" in queue
