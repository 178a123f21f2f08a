"""The console chat has the Telegram features, buttons shown as numbered choices (offline: the
pipeline runs in its phrase-search mode, without Rasa)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.console import Console
from bot.conversation import Conversations, Person
from bot.pipeline import Pipeline
from guides.store import ContentStore
from storage import Database
from storage.users import get_settings, known_keys


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path}/console.db")
    db.migrate()
    yield db
    db.dispose()


def make_console(store: ContentStore, db: Database, hint: str | None = "ar") -> Console:
    talk = Conversations(Pipeline(store, None), db, retention_days=30)
    return Console(talk, Person("console-key", hint), out=io.StringIO())


async def say(console: Console, line: str) -> str:
    """Type a line; return what the console printed for it."""
    assert isinstance(console.out, io.StringIO)
    console.out.seek(0)
    console.out.truncate()
    await console.handle(line)
    return console.out.getvalue()


async def test_onboarding_offers_languages_then_welcomes_with_the_privacy_notice(
        content_store: ContentStore, database: Database) -> None:
    console = make_console(content_store, database, hint="ar")
    shown = await say(console, "/start")
    assert "[1] العربية" in shown and "[2] English" in shown  # Telegram's language first
    shown = await say(console, "2")
    assert "Welcome! I answer questions about arriving in Berlin" in shown
    assert "/privacy" in shown and "/forget" in shown
    assert get_settings(database, "console-key").lang == "en"
    assert get_settings(database, "console-key").city == "berlin"


async def test_deep_link_payload_presets_language_and_city(
        content_store: ContentStore, database: Database) -> None:
    console = make_console(content_store, database)
    shown = await say(console, "/start uk_berlin")
    welcome = content_store.current.text("uk", "onboarding.welcome", city="Берлін")
    assert welcome in shown
    settings = get_settings(database, "console-key")
    assert (settings.lang, settings.city) == ("uk", "berlin")


async def test_menu_numbers_open_a_topic_and_an_entry(
        content_store: ContentStore, database: Database) -> None:
    console = make_console(content_store, database)
    await say(console, "/start en_berlin")
    shown = await say(console, "/menu")
    assert "What do you need help with?" in shown
    number = next(line.split("]")[0].strip(" [") for line in shown.splitlines()
                  if line.endswith("] Tickets"))
    shown = await say(console, number)
    assert "Tickets: choose a question." in shown and "← Back" in shown
    shown = await say(console, "1")
    assert "👍" in shown and "📍 Services near me" in shown and "🙋 Talk to a person" in shown


async def test_services_near_me_takes_a_typed_district(
        content_store: ContentStore, database: Database) -> None:
    console = make_console(content_store, database)
    await say(console, "/start en_berlin")
    near = next(button.action for button in
                console.conversations.menu("en", "berlin").buttons[-1])
    assert near == "near:"
    replies = await console.conversations.press(console.person, "near:services.registration")
    assert replies[0].ask_location
    shown = await say(console, "neukolln")
    assert "Services near Neukölln:" in shown
    assert "Bürgeramt Neukölln" in shown and " km" in shown


async def test_forget_asks_first_then_erases_everything(
        content_store: ContentStore, database: Database) -> None:
    console = make_console(content_store, database)
    await say(console, "/start en_berlin")
    assert known_keys(database) == ["console-key"]
    shown = await say(console, "/forget")
    assert "[1] 🗑 Yes, erase everything" in shown and "[2] ✖ Cancel" in shown
    shown = await say(console, "2")
    assert "Nothing was erased." in shown and known_keys(database) == ["console-key"]
    await say(console, "/forget")
    shown = await say(console, "1")
    assert "I erased everything about you" in shown
    assert known_keys(database) == []


async def test_commands_answer_in_the_persons_language(
        content_store: ContentStore, database: Database) -> None:
    console = make_console(content_store, database)
    await say(console, "/start de_berlin")
    assert "30" in await say(console, "/privacy")
    assert "/menu" in await say(console, "/help")
    assert "/menu" in await say(console, "/nonsense")  # unknown commands get the help
    shown = await say(console, "/language")
    assert "Deutsch" in shown and "English" in shown
    shown = await say(console, "2")  # English is second: the hint (ar) comes first
    assert "Okay, I will answer in English." in shown


async def test_a_second_city_is_asked_for_during_onboarding(
        content_copy: Path, database: Database) -> None:
    hamburg = content_copy / "hamburg"
    shutil.copytree(content_copy / "berlin", hamburg)
    city = (hamburg / "city.yml").read_text(encoding="utf-8")
    (hamburg / "city.yml").write_text(city.replace("id: berlin", "id: hamburg").replace(
        'en: "Berlin"', 'en: "Hamburg"'), encoding="utf-8")
    console = make_console(ContentStore(content_copy), database, hint="en")
    await say(console, "/start")
    shown = await say(console, "1")  # English
    assert "Which city are you in?" in shown
    assert "Hamburg" in shown and "Berlin" in shown
    number = next(line.split("]")[0].strip(" [") for line in shown.splitlines()
                  if line.endswith("] Hamburg"))
    shown = await say(console, number)
    assert "arriving in Hamburg" in shown
    assert get_settings(database, "console-key").city == "hamburg"
