"""The report's arithmetic: what counts as answered, top topics, questions, worst entries."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.report import ReportError, parse_since
from bot.report.figures import EntryRow, Figures, Labels, compute, percentile
from storage.reports import FeedbackTotal, Handoff, MessageCount, UnansweredQuestion, Waiting

D1, D2 = dt.date(2026, 11, 1), dt.date(2026, 11, 2)
LABELS = Labels(topics={"transport.tickets": "Tickets", "services.housing": "Housing"},
                entries={"transport.tickets.deutschlandticket": "Deutschlandticket"})


def figures() -> Figures:
    counts = [
        MessageCount(D1, "transport.tickets", "uk", "berlin", "answered", 5),
        MessageCount(D1, "transport.tickets", "ar", "berlin", "degraded", 2),
        MessageCount(D1, "services.housing", "uk", "berlin", "clarify", 3),
        MessageCount(D2, "services.housing", "ar", "berlin", "answered", 4),
        MessageCount(D2, "out_of_scope", "uk", "berlin", "answered", 6),
        MessageCount(D2, "greet", "uk", "berlin", "answered", 1),
    ]
    votes = [FeedbackTotal("transport.tickets.deutschlandticket", "berlin", 1, 3),
             FeedbackTotal("services.housing.shelter", "berlin", 30, 10),
             FeedbackTotal("transport.tickets.fines", "berlin", 4, 0)]
    questions = [UnansweredQuestion("Where to buy a bike?", "en", "berlin", "out_of_scope", D1),
                 UnansweredQuestion("where to buy a bike", "en", "berlin", "transport.tickets",
                                    D2),
                 UnansweredQuestion("where to buy a bike", "en", "berlin", "out_of_scope", D2),
                 UnansweredQuestion("weather tomorrow", "de", "berlin", "out_of_scope", D2)]
    handoffs = [Handoff(D1, "uk", "berlin", "services.housing", False, 600, 7200, 5),
                Handoff(D1, "ar", "berlin", "services.housing", True, 60, 3600, None),
                Handoff(D2, "uk", "berlin", "transport.tickets", False, None, None, None)]
    return compute(D1, D2, counts, votes, questions, handoffs,
                   [Waiting("uk", "transport.tickets", False, 900)], LABELS)


def test_answered_means_a_real_answer_not_a_clarification_or_out_of_scope() -> None:
    f = figures()
    assert f.messages == 21
    assert f.answered == 5 + 2 + 4 + 1
    assert [(d.day, d.answered, d.unanswered) for d in f.days] == [(D1, 7, 3), (D2, 5, 6)]


def test_top_topics_count_topics_only_split_by_language() -> None:
    topics = figures().topics
    assert [(t.label, t.total, t.by_lang) for t in topics] == [
        ("Tickets", 7, {"uk": 5, "ar": 2}), ("Housing", 4, {"ar": 4})]


def test_the_same_unanswered_question_is_one_row_with_its_count() -> None:
    rows = figures().questions
    assert [(q.text.lower().rstrip("?"), q.count, q.best_route, q.last_day) for q in rows] == [
        ("where to buy a bike", 3, "out_of_scope", D2), ("weather tomorrow", 1, "out_of_scope",
                                                          D2)]


def test_worst_entries_weigh_the_share_of_thumbs_down_by_the_number_of_votes() -> None:
    entries = figures().entries
    assert [e.entry_id for e in entries] == ["transport.tickets.deutschlandticket",
                                             "services.housing.shelter",
                                             "transport.tickets.fines"]
    assert entries[0].label == "Deutschlandticket"
    few, many = EntryRow("a", "a", 0, 1), EntryRow("b", "b", 0, 20)
    assert few.unhelpful < many.unhelpful


def test_handoff_figures_give_waiting_times_and_counts() -> None:
    h = figures().handoffs
    assert (h.opened, h.claimed, h.closed, h.urgent) == (3, 2, 2, 1)
    assert h.claim_seconds == [60, 600] and h.urgent_claim_seconds == [60]
    assert h.by_topic[0] == ("Housing", 2, 5.5)
    assert h.ratings == [5] and h.waiting_now[0].seconds == 900


def test_percentile_is_the_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([10, 20, 30, 40], 0.5) == 20
    assert percentile([10, 20, 30, 40], 0.9) == 40


def test_since_accepts_days_weeks_and_dates() -> None:
    today = dt.date(2026, 11, 23)
    assert parse_since("30d", today) == dt.date(2026, 10, 25)  # 30 days including today
    assert parse_since("1d", today) == today
    assert parse_since("2w", today) == dt.date(2026, 11, 10)
    assert parse_since("2026-11-01", today) == dt.date(2026, 11, 1)
    for bad in ("thirty", "2027-01-01", "30x"):
        with pytest.raises(ReportError):
            parse_since(bad, today)
