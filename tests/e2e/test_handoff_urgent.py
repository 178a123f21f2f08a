"""A safety route answers at once with the emergency numbers, opens an urgent request and tells
the caseworkers before the person has agreed to share anything; unclaimed, it is re-announced."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import Services
from nlu.server import LocalRasaServer
from tests.e2e.chat import buttons, onboarded, replies, reply
from tests.e2e.handoff import handoff_bot, plain
from tests.emulator.harness import BotMessage, Emulator, TelegramUser

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]


async def next_matching(member: TelegramUser, wanted: Callable[[str], bool]) -> BotMessage:
    """The next message in the chat that `wanted` accepts (reminders may come in between)."""
    for _ in range(20):
        message = await reply(member)
        if wanted(plain(message)):
            return message
    raise AssertionError("no such message")


async def test_an_urgent_route_answers_at_once_and_tells_the_team_then_reminds_them(
        emulator: Emulator, services: Services, rasa_server: LocalRasaServer,
        tmp_path: Path) -> None:
    async with handoff_bot(emulator, services, rasa_server, tmp_path,
                           handoff_reannounce_minutes=0.03) as bot:  # about 2 s
        t = bot.text
        jana = await bot.caseworker("Jana")
        sara = bot.person("en", "Sara")
        await onboarded(sara, "en")
        words = "my husband hits me what can i do"
        await sara.send_text(words)
        numbers, _entry, urgent, consent = await replies(sara, 4)
        assert plain(numbers).startswith(t("en", "safety.numbers_intro"))
        for number in ("112", "110", "116 016"):  # from content/berlin/city.yml
            assert number in plain(numbers)
        assert plain(urgent) == t("en", "handoff.urgent")
        assert buttons(consent) == [t("en", "button.human_confirm"), t("en", "button.cancel")]

        card = await reply(jana)  # at once, before she agreed to anything
        [ticket] = bot.tickets()
        assert ticket.urgent and ticket.status == "open" and ticket.topic == "services.gbv"
        assert t("de", "caseworker.card.urgent") in plain(card)
        assert t("de", "caseworker.card.no_consent") in plain(card)
        assert words not in plain(card) and bot.ticket_texts(ticket.id) == []

        reminder = await reply(jana)  # nobody took it: announced again
        assert plain(reminder).startswith("🆘 " + t("de", "caseworker.reannounce",
                                                    ticket=ticket.id, minutes=0)[:20])

        await sara.press(t("en", "button.human_confirm"))
        opened, urgent_again = await replies(sara, 2)
        assert plain(opened).startswith(t("en", "handoff.opened", ticket=ticket.id,
                                          wait="")[:20])
        assert plain(urgent_again) == t("en", "handoff.urgent")
        shared = await next_matching(jana, lambda text: words in text)
        assert plain(shared).startswith(t("de", "caseworker.consented", ticket=ticket.id))
        assert bot.ticket_texts(ticket.id) == [("user", words)]

        desk = jana.in_topic(card["message_thread_id"])
        await desk.send_command("/claim")
        await next_matching(desk, lambda text: text == t("de", "caseworker.claimed",
                                                          ticket=ticket.id))
        assert plain(await reply(sara)) == t("en", "handoff.claimed", ticket=ticket.id)
        assert bot.tickets()[0].status == "claimed"
