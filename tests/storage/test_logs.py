"""Logs never carry what people wrote, nor their chat ids: a whole conversation through the real
pipeline and Rasa, a handoff, a database error, retention and /forget, all logged at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.exc import IntegrityError

from bot.conversation import Conversations, Person
from bot.pipeline import Pipeline
from guides.store import ContentStore
from nlu.client import RasaClient
from nlu.server import LocalRasaServer
from storage import Database, purge_expired, user_key
from storage.models import Ticket
from storage.tickets import add_message, claim, close, open_ticket

pytestmark = pytest.mark.rasa

MARKER = "Zebrafinch7731"
CHAT_ID = 880011223344
MESSAGES = [
    f"Де купити квиток на метро? {MARKER}",
    f"my name is {MARKER} and I need a doctor",
    MARKER,
    f"qwerty {MARKER} asdf zxcv",
    f"Ich brauche eine Wohnung, {MARKER}",
    f"أحتاج إلى طبيب {MARKER}",
    f"{MARKER}@example.org wants the weather forecast",
]


@pytest.fixture
async def conversations(db: Database, content_store: ContentStore,
                        rasa_server: LocalRasaServer) -> AsyncIterator[Conversations]:
    client = RasaClient(rasa_server.url, rasa_server.secret, 10.0)
    yield Conversations(Pipeline(content_store, client), db)
    await client.aclose()


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(str(record.exc_info[1]))
    return "\n".join(parts)


async def test_logs_carry_no_message_text_and_no_chat_id(
        conversations: Conversations, db: Database, caplog: pytest.LogCaptureFixture,
        rasa_server: LocalRasaServer) -> None:
    caplog.set_level(logging.DEBUG)
    # The worst case an operator can configure: SQLAlchemy echoing every statement.
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    person = Person(user_key(b"test-secret", "telegram", CHAT_ID), "uk")
    await conversations.start(person)
    await conversations.press(person, "lang:uk")
    outcomes = [await conversations.text(person, text) for text in MESSAGES]
    assert any(outcome.status == "answered" for outcome in outcomes)  # Rasa really answered
    await conversations.press(person, "fb:down:transport.tickets.deutschlandticket")
    await conversations.press(person, "human")

    ticket = open_ticket(db, person.key, CHAT_ID, "uk", "berlin", "services.health")
    add_message(db, ticket.id, "user", f"{MARKER} please call me back")
    claim(db, ticket.id)
    add_message(db, ticket.id, "caseworker", f"Hello {MARKER}")
    close(db, ticket.id)
    purge_expired(db, retention_days=1)
    # A database error (duplicate key), logged the way the bot logs failures.
    with pytest.raises(IntegrityError) as failure, db.session() as session:
        session.add(Ticket(id=ticket.id, user_key=MARKER, chat_id=CHAT_ID, lang="uk",
                           city="berlin", topic=MARKER))
    logging.getLogger("bot.telegram").error("Storage failed", exc_info=failure.value)
    await conversations.forget(person)

    logged = everything_logged(caplog)
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records), \
        "SQL statements were not logged: the test would not see parameters leak"
    assert MARKER not in logged
    assert str(CHAT_ID) not in logged
    assert MARKER not in str(failure.value) and str(CHAT_ID) not in str(failure.value)
    if rasa_server.log_file is not None and rasa_server.log_file.exists():  # Rasa's own log
        assert MARKER not in rasa_server.log_file.read_text(errors="replace")
