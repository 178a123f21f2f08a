"""A flood of messages from one person: the first over the limit gets one polite notice in their
language, the rest are dropped silently until they are within the limit again; other people
are unaffected, and nothing said in a request with a caseworker is ever dropped.

Telegram dates each message, and the limit counts by those dates: the tests date their
messages to say "all in the same second" or "four seconds later", with no waiting."""

from __future__ import annotations

import time

import pytest

from bot.telegram.flood import FloodGuard
from tests.e2e.chat import NewUser, RunningBot, replies, reply
from tests.e2e.handoff import HandoffBot, plain
from tests.emulator.harness import BotMessage, TelegramUser

QUESTION = "How do I buy a bus ticket?"


def test_a_burst_then_one_message_per_interval() -> None:
    guard = FloodGuard(burst=3, refill_seconds=2.0)
    assert [guard.check("a", 100.0) for _ in range(6)] == [
        "answer", "answer", "answer", "notice", "drop", "drop"]
    assert guard.check("b", 100.0) == "answer"  # someone else: a bucket of their own
    assert guard.check("a", 101.0) == "drop"  # half a message refilled
    assert guard.check("a", 102.0) == "answer"  # one refilled: within the limit again
    assert guard.check("a", 102.0) == "notice"  # over it again: told again, once
    assert guard.check("a", 90.0) == "drop"  # an older date refills nothing
    assert guard.check("a", 1_000.0) == "answer"  # after a pause: the whole burst again
    assert [guard.check("a", 1_000.0) for _ in range(3)] == ["answer", "answer", "notice"]


def test_memory_is_bounded_and_holds_no_text() -> None:
    guard = FloodGuard(burst=2, refill_seconds=60.0, max_people=100)
    for person in range(1_000):
        guard.check(f"key-{person}", 100.0)
        guard.check(f"key-{person}", 100.0)
    assert len(guard) == 100
    assert guard.check("key-999", 100.0) == "notice"  # still remembered: over the limit
    assert guard.check("key-0", 100.0) == "answer"  # forgotten: a full bucket, as after a pause
    remembered = [value for bucket in guard._buckets.values() for value in vars(bucket).values()]
    assert all(isinstance(value, bool | float) for value in remembered)


@pytest.mark.parametrize(("burst", "refill", "people"), [(0, 1.0, 10), (1, 0.0, 10), (1, 1.0, 0)])
def test_nonsense_limits_are_refused(burst: int, refill: float, people: int) -> None:
    with pytest.raises(ValueError):
        FloodGuard(burst, refill, people)


async def until_help(user: TelegramUser, help_text: str) -> list[BotMessage]:
    """Messages up to the answer to /help (excluded): a chat's updates are handled in order,
    so everything sent before the /help has been dealt with by then."""
    seen = [await reply(user)]
    while seen[-1]["plain_text"] != help_text:
        seen.append(await reply(user))
    return seen[:-1]


@pytest.mark.emulator
@pytest.mark.rasa
async def test_a_flood_gets_one_notice_the_rest_is_dropped_and_others_are_unaffected(
        telegram_bot: RunningBot, new_user: NewUser) -> None:
    t = telegram_bot.text
    burst = telegram_bot.services.settings.flood_burst
    refill = telegram_bot.services.settings.flood_refill_seconds
    flooder, bystander = new_user("ar"), new_user("en")
    now = int(time.time())
    await flooder.send_command("/start", "ar_berlin", date=now - 3600)
    await reply(flooder)

    for n in range(burst + 4):  # all within one second, as Telegram dates them
        await flooder.send_text(QUESTION, date=now)
        if n < burst:
            await bystander.send_text(QUESTION, date=now)
    flooded = await replies(flooder, burst + 1)
    notice = t("ar", "notice.rate_limited")
    assert [m["plain_text"] == notice for m in flooded] == [False] * burst + [True]
    assert all(m["reply_markup"] for m in flooded[:burst])  # real answers, with buttons
    answered = await replies(bystander, burst)  # a full burst of their own, unaffected
    assert notice not in [m["plain_text"] for m in answered]

    later = now + 2 * refill  # two messages' worth refilled
    for _ in range(4):
        await flooder.send_text(QUESTION, date=later)
    await flooder.send_command("/help", date=later + refill)
    after = await until_help(flooder, t("ar", "help.text"))
    # Two answered, the next one told (a new episode), the fourth dropped; the first three
    # over-limit messages of the flood were never answered either.
    assert [m["plain_text"] == notice for m in after] == [False, False, True]


@pytest.mark.emulator
@pytest.mark.rasa
async def test_a_request_with_a_caseworker_is_never_rate_limited(
        caseworker_bot: HandoffBot) -> None:
    bot, t = caseworker_bot, caseworker_bot.text
    amina = bot.person("uk", "Amina")
    jana = await bot.caseworker("Jana")
    burst = bot.services.settings.flood_burst
    now = int(time.time())
    await amina.send_command("/start", "uk_berlin", date=now - 3600)
    await reply(amina)
    await amina.send_command("/human", date=now - 3600)
    await reply(amina)
    await amina.press(t("uk", "button.human_confirm"))
    await reply(amina)
    card = await reply(jana)
    desk = jana.in_topic(card["message_thread_id"])

    words = [f"message {n} for my caseworker" for n in range(burst + 4)]
    for text in words:  # a person's flood inside their request: every word reaches the desk
        await amina.send_text(text, date=now)
    relayed = await replies(desk, len(words))
    assert [plain(m).split("\n\n", 1)[1] for m in relayed] == words

    answers = [f"answer {n} from the team" for n in range(burst + 4)]
    for text in answers:  # the caseworker group is not limited either
        await desk.send_text(text, date=now)
    prefix = t("uk", "handoff.from_caseworker") + "\n\n"
    received = [plain(m) for m in await amina.drain()]
    while sum(text.startswith(prefix) for text in received) < len(answers):
        received += [plain(m) for m in await replies(amina, 1)]
    assert [text.removeprefix(prefix) for text in received if text.startswith(prefix)] == answers
    assert t("uk", "notice.rate_limited") not in received
