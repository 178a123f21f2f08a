"""The Telegram emulator harness drives a real python-telegram-bot 22 Application."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeAlias

import pytest
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.emulator.harness import Emulator, TelegramUser

pytestmark = pytest.mark.emulator

GROUP_ID = -1001000000042  # the caseworkers' forum supergroup

Context = ContextTypes.DEFAULT_TYPE
App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


async def start(update: Update, context: Context) -> None:
    keyboard = [
        [
            InlineKeyboardButton("English", callback_data="lang:en"),
            InlineKeyboardButton("Deutsch", callback_data="lang:de"),
        ]
    ]
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Welcome! Choose your language.", reply_markup=InlineKeyboardMarkup(keyboard)
    )


async def choose_language(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    await query.edit_message_text(f"Language set: {query.data.removeprefix('lang:')}")


async def echo_html(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await message.reply_html(f"<b>You wrote:</b> {html.escape(message.text)}")


async def photo(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(f"photo {message.photo[-1].file_unique_id}")


async def location(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.location is not None
    await context.bot.send_chat_action(message.chat_id, "find_location")
    await context.bot.send_location(
        message.chat_id, message.location.latitude, message.location.longitude
    )


async def edited(update: Update, context: Context) -> None:
    assert update.edited_message is not None
    await update.edited_message.reply_text(f"edited: {update.edited_message.text}")


async def handoff(update: Update, context: Context) -> None:
    """Open a topic for the newcomer in the caseworkers' group and copy their message there."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    topic = await context.bot.create_forum_topic(GROUP_ID, f"Case {user.first_name}")
    thread = topic.message_thread_id
    await context.bot.copy_message(
        GROUP_ID, message.chat_id, message.message_id, message_thread_id=thread
    )
    await context.bot.send_message(GROUP_ID, "New case", message_thread_id=thread)
    await message.reply_text("A caseworker will answer you here.")


async def group_text(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.from_user is not None
    member = await context.bot.get_chat_member(message.chat_id, message.from_user.id)
    await message.reply_text(f"{message.chat.type} {member.status}: {message.text}")


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


# PTB turns error descriptions into "Capitalized lowercase", hence the (?i) in matches below.


@pytest.fixture(scope="module")
async def bot(emu: Emulator) -> AsyncIterator[tuple[App, list[object]]]:
    app = Application.builder().token(emu.token).base_url(emu.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", handoff))
    app.add_handler(CallbackQueryHandler(choose_language, pattern=r"^lang:"))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, edited))
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, echo_html))
    app.add_handler(MessageHandler(private & filters.PHOTO, photo))
    app.add_handler(MessageHandler(private & filters.LOCATION, location))
    app.add_handler(MessageHandler(groups & filters.TEXT, group_text))
    errors: list[object] = []

    async def on_error(update: object, context: Context) -> None:
        errors.append(context.error)

    app.add_error_handler(on_error)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.05)
    yield app, errors
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    await emu.aclose_client()


@pytest.fixture
def app(bot: tuple[App, list[object]]) -> Iterator[App]:
    """The running bot; fails the test if a handler raised."""
    application, errors = bot
    errors.clear()
    yield application
    assert errors == []


def buttons(message: dict[str, object]) -> list[list[str]]:
    markup = message["reply_markup"]
    assert isinstance(markup, dict)
    return [[button["text"] for button in row] for row in markup["inline_keyboard"]]


async def test_start_answers_with_inline_keyboard(emu: Emulator, app: App) -> None:
    amina = TelegramUser(emu, 1001, "Amina", "ar")
    await amina.send_command("/start")
    [welcome] = await amina.wait_for_replies(1)
    assert welcome["text"] == "Welcome! Choose your language."
    assert buttons(welcome) == [["English", "Deutsch"]]


async def test_button_press_edits_the_message(emu: Emulator, app: App) -> None:
    omar = TelegramUser(emu, 1002, "Omar", "fa")
    await omar.send_command("start")
    [welcome] = await omar.wait_for_replies()
    await omar.press("Deutsch")
    edit = await omar.wait_for_edit(welcome["message_id"])
    assert edit["text"] == "Language set: de"
    assert edit["reply_markup"] is None  # an edit without reply_markup drops the keyboard
    assert omar.message(welcome["message_id"]) == edit
    with pytest.raises(LookupError):
        await omar.press("English")


async def test_html_reply_round_trips(emu: Emulator, app: App) -> None:
    lena = TelegramUser(emu, 1003, "Lena", "uk")
    await lena.send_text("Tom & <Jerry>")
    [reply] = await lena.wait_for_replies()
    assert reply["parse_mode"] == "HTML"
    assert reply["text"] == "<b>You wrote:</b> Tom &amp; &lt;Jerry&gt;"
    assert reply["plain_text"] == "You wrote: Tom & <Jerry>"


async def test_malformed_html_fails_like_telegram(emu: Emulator, app: App) -> None:
    with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
        await app.bot.send_message(1003, "line<br>break", parse_mode="HTML")


async def test_raw_photo_and_update_reach_handlers(emu: Emulator, app: App) -> None:
    sara = TelegramUser(emu, 1004, "Sara", "ti")
    size = {"file_id": "AgACAgQ", "file_unique_id": "AQADphoto", "width": 90, "height": 90}
    await sara.send_raw({"photo": [size]})
    [reply] = await sara.wait_for_replies()
    assert reply["text"] == "photo AQADphoto"

    message_id = await sara.send_text("helo")
    await sara.wait_for_replies()
    edited_message = {
        "message_id": message_id,
        "from": sara.user,
        "chat": sara.chat,
        "date": 1,
        "edit_date": 2,
        "text": "hello",
    }
    await emu.send_update({"edited_message": edited_message})
    [reply] = await sara.wait_for_replies()
    assert reply["text"] == "edited: hello"


async def test_location_round_trips(emu: Emulator, app: App) -> None:
    ali = TelegramUser(emu, 1005, "Ali", "ar")
    await ali.send_location(52.52, 13.405)
    [reply] = await ali.wait_for_replies()
    assert reply["method"] == "sendLocation"
    assert reply["location"] == {"latitude": 52.52, "longitude": 13.405}


async def test_set_my_commands(emu: Emulator, app: App) -> None:
    commands = [BotCommand("start", "Start"), BotCommand("help", "Talk to a caseworker")]
    assert await app.bot.set_my_commands(commands, language_code="de") is True
    assert await app.bot.get_my_commands(language_code="de") == tuple(commands)
    assert await app.bot.delete_my_commands() is True
    with pytest.raises(BadRequest, match=r"(?i)bot_command_description_invalid"):
        await app.bot.set_my_commands([BotCommand("start", "")])


async def test_group_message_reaches_the_bot(emu: Emulator, app: App) -> None:
    clara = TelegramUser.in_group(emu, 2001, "Clara", GROUP_ID)
    await clara.send_text("Hallo Team")
    [reply] = await clara.wait_for_replies()
    assert reply["chat_id"] == GROUP_ID
    assert reply["text"] == "supergroup member: Hallo Team"
    assert (await app.bot.get_chat_member(GROUP_ID, 4242)).status == "left"
    assert (await app.bot.get_chat_member(GROUP_ID, emu.bot_id)).status == "administrator"


async def test_handoff_to_a_forum_topic(emu: Emulator, app: App) -> None:
    jonas = TelegramUser.in_group(emu, 2002, "Jonas", GROUP_ID)
    await jonas.join()
    assert (await app.bot.get_chat_member(GROUP_ID, jonas.user_id)).status == "member"
    newcomer = TelegramUser(emu, 1006, "Hamid", "fa")
    await newcomer.send_command("/help", "I need a flat")
    [ack] = await newcomer.wait_for_replies()
    assert ack["text"] == "A caseworker will answer you here."

    copied, note = await jonas.wait_for_replies(2)
    assert (copied["method"], copied["text"]) == ("copyMessage", "/help I need a flat")
    assert note["text"] == "New case"
    assert copied["message_thread_id"] == note["message_thread_id"] is not None

    in_topic = jonas.in_topic(note["message_thread_id"])
    await in_topic.send_text("Ich helfe")
    [reply] = await in_topic.wait_for_replies()
    assert reply["text"] == "supergroup member: Ich helfe"
    assert reply["message_thread_id"] == note["message_thread_id"]


async def test_bot_events_long_polls_every_chat(emu: Emulator, app: App) -> None:
    seen = await emu.bot_events(after=0)
    after = seen[-1][0] if seen else 0
    assert await emu.bot_events(after) == []  # nothing new: answers at once without timeout
    waiting = asyncio.create_task(emu.bot_events(after, timeout=5.0))
    await asyncio.sleep(0.1)
    assert not waiting.done()  # held open until the bot says something
    mia, noah = TelegramUser(emu, 1007, "Mia", "de"), TelegramUser(emu, 1008, "Noah", "en")
    await mia.send_text("eins")
    await noah.send_text("zwei")
    events = await waiting
    while len({event["chat_id"] for _, event in events}) < 2:
        events += await emu.bot_events(events[-1][0], timeout=5.0)
    ids = [update_id for update_id, _ in events]
    assert ids == sorted(ids) and all(update_id > after for update_id in ids)
    assert {(event["chat_id"], event["plain_text"]) for _, event in events} == {
        (1007, "You wrote: eins"), (1008, "You wrote: zwei")}
    [reply] = await mia.wait_for_replies()  # the users' own reading is untouched
    assert reply["plain_text"] == "You wrote: eins"
