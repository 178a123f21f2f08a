"""Whatever a person writes can be stored, on SQLite and on PostgreSQL: PostgreSQL refuses text
with NUL characters, so without care a message with one would be lost from a request (and the
unanswered question from the editors' list). NUL carries no meaning and is dropped."""

from __future__ import annotations

from sqlalchemy import select

from storage import Database
from storage.analytics import record_unanswered
from storage.models import Unanswered
from storage.tickets import add_message, messages, open_ticket


def test_a_message_with_null_bytes_is_kept_in_the_request(db: Database) -> None:
    ticket = open_ticket(db, "key-a", 5501, "uk", "berlin", "services.housing")
    add_message(db, ticket.id, "user", "I need\x00 a flat\x00 <b>now</b>")
    add_message(db, ticket.id, "caseworker", "\x00")
    assert [m.text for m in messages(db, ticket.id)] == ["I need a flat <b>now</b>", ""]


def test_an_unanswered_question_with_null_bytes_is_kept_for_the_editors(db: Database) -> None:
    record_unanswered(db, "where\x00 is the zoo\x00", "en", "berlin", "out_of_scope")
    with db.session() as session:
        assert list(session.scalars(select(Unanswered.text))) == ["where is the zoo"]
