"""Outside office hours (city.yml, in the city's time zone) the person hears when a caseworker
will answer, and gets the emergency numbers; the request still reaches the group. The request
starts from the "talk to a person" button under an answer the bot was not sure of."""

from __future__ import annotations

import pytest

from tests.e2e.chat import buttons, onboarded, replies, reply
from tests.e2e.handoff import SATURDAY_22, HandoffBot, plain

pytestmark = [pytest.mark.emulator, pytest.mark.rasa]


async def test_out_of_hours_the_person_hears_when_someone_answers_and_the_numbers(
        caseworker_bot: HandoffBot) -> None:
    bot, t = caseworker_bot, caseworker_bot.text
    bot.set_clock(SATURDAY_22)  # Berlin: closed until Monday 09:00
    jana = await bot.caseworker("Jana")
    lena = bot.person("de", "Lena")
    await onboarded(lena, "de")
    await lena.send_text("qwertz asdf yxcv")  # nothing the bot understands
    unsure = await reply(lena)
    assert t("de", "button.human") in buttons(unsure)
    await lena.press(t("de", "button.human"))
    assert t("de", "handoff.consent") in plain(await reply(lena))
    await lena.press(t("de", "button.human_confirm"))
    opened, hours = await replies(lena, 2)
    [ticket] = bot.tickets()
    assert plain(opened).startswith(t("de", "handoff.opened", ticket=ticket.id, wait="")[:25])
    when = t("de", "handoff.when.day", day=t("de", "weekday.mon"), time="09:00")
    assert when == "Montag um 09:00 Uhr"
    assert plain(hours).startswith(t("de", "handoff.out_of_hours", when=when))
    for number in ("112", "110", "116 117", "116 016"):
        assert number in plain(hours)
    card = await reply(jana)
    assert t("de", "caseworker.card.request", ticket=ticket.id) in plain(card)
