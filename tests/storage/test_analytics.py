"""Anonymous analytics: exact counters, one vote per person, scrubbed unanswered questions."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import inspect, select

from storage import Database, forget_user
from storage.analytics import count_message, record_feedback, record_unanswered
from storage.models import DailyCount, FeedbackCount, Unanswered
from storage.reports import feedback_totals, message_counts, unanswered_questions

DAY = dt.date(2026, 11, 20)
NOON = dt.datetime(2026, 11, 20, 12, 34, 56, tzinfo=dt.UTC)
ENTRY = "transport.tickets.deutschlandticket"


def test_concurrent_messages_are_all_counted(db: Database) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: count_message(db, "transport.tickets", "uk", "berlin",
                                              "answered", now=NOON), range(40)))
    count_message(db, "transport.tickets", "uk", "berlin", "clarify", now=NOON)
    count_message(db, "transport.tickets", "uk", "berlin", "answered",
                  now=NOON + dt.timedelta(days=1))
    rows = {(r.day, r.status): r.count for r in message_counts(db, DAY)}
    assert rows == {(DAY, "answered"): 40, (DAY, "clarify"): 1,
                    (DAY + dt.timedelta(days=1), "answered"): 1}


def test_counters_hold_no_person(db: Database) -> None:
    columns = {c["name"] for table in ("daily_counts", "feedback_counts", "unanswered",
                                       "handoff_stats")
               for c in inspect(db.engine).get_columns(table)}
    assert not columns & {"user_key", "key", "chat_id", "user_id"}
    assert {c.name for c in DailyCount.__table__.columns} == {
        "day", "route", "lang", "city", "status", "count"}


def test_a_persons_vote_counts_once_and_can_change(db: Database) -> None:
    for _ in range(3):
        record_feedback(db, "key-a", ENTRY, "uk", "berlin", +1, now=NOON)
    record_feedback(db, "key-b", ENTRY, "ar", "berlin", +1, now=NOON)
    assert feedback_totals(db, DAY)[0].up == 2

    record_feedback(db, "key-a", ENTRY, "uk", "berlin", -1, now=NOON + dt.timedelta(days=1))
    [total] = feedback_totals(db, DAY)
    assert (total.entry_id, total.up, total.down) == (ENTRY, 1, 1)


def test_votes_stay_counted_after_the_voter_is_forgotten(db: Database) -> None:
    record_feedback(db, "key-a", ENTRY, "uk", "berlin", -1, now=NOON)
    forget_user(db, "key-a")
    with db.session() as session:
        assert session.scalars(select(FeedbackCount.down)).all() == [1]


def test_unanswered_questions_are_scrubbed_unlinked_and_dated_to_the_day(db: Database) -> None:
    stored = record_unanswered(
        db, "My name is Amina Yusuf, call me on +49 176 1234 5678 or amina@example.org — "
            "can my cat come to the Erstaufnahme?", "en", "berlin", "out_of_scope",
        known_words={"can", "my", "cat", "come", "erstaufnahme"}, now=NOON)
    assert stored is not None
    for secret in ("Amina", "Yusuf", "176", "5678", "example.org"):
        assert secret not in stored
    assert "[name]" in stored and "[number]" in stored and "[email]" in stored
    assert "cat come to the Erstaufnahme?" in stored
    with db.session() as session:
        row = session.scalars(select(Unanswered)).one()
    assert row.created_at == dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    [question] = unanswered_questions(db, DAY)
    assert (question.text, question.day, question.best_route) == (stored, DAY, "out_of_scope")


def test_a_question_with_nothing_left_after_scrubbing_is_not_kept(db: Database) -> None:
    assert record_unanswered(db, "+49 30 1234567", "de", "berlin", "out_of_scope") is None
    assert record_unanswered(db, "ahmed@example.org", "de", "berlin", "out_of_scope") is None
    assert unanswered_questions(db, DAY - dt.timedelta(days=365)) == []
