"""The report page: built from the database, readable in a browser, and free of personal data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from matplotlib.image import imread

from bot.app import PROJECT
from bot.report import build_report
from bot.report.build import CHART_FILES, labels_from_content
from bot.report.figures import Labels
from storage import Database
from storage.analytics import count_message, record_feedback, record_unanswered
from storage.tickets import add_message, claim, close, open_ticket, rate
from tests.report.page_check import check_page, chromium, screenshot

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
SINCE = dt.date(2026, 10, 25)
CHAT = 771234567
SECRET = "MARKER-4711-CONFIDENTIAL"


def fill(db: Database) -> None:
    """Four weeks of a small city's activity, written through the repository functions."""
    for day in range(28):
        when = NOW - dt.timedelta(days=day)
        for i in range(day % 5 + 3):
            lang = ("uk", "ar", "fa", "ru", "en")[i % 5]
            count_message(db, ("rights.residence", "services.housing", "transport.tickets",
                               "services.health")[i % 4], lang, "berlin", "answered", now=when)
        count_message(db, "out_of_scope", "uk", "berlin", "answered", now=when)
        count_message(db, "services.legal_aid", "fa", "berlin", "clarify", now=when)
    for n in range(3):
        record_unanswered(db, f"Can I keep my dog in the shelter? my name is Olena, call "
                              f"{SECRET}", "uk", "berlin", "out_of_scope",
                          now=NOW - dt.timedelta(days=n))
    record_unanswered(db, "أين أجد ملعب كرة قدم", "ar", "berlin", "out_of_scope", now=NOW)
    for voter in range(6):
        record_feedback(db, f"key-{voter}", "services.housing.shelter", "uk", "berlin",
                        -1 if voter < 4 else +1, now=NOW)
        record_feedback(db, f"key-{voter}", "transport.tickets.deutschlandticket", "ar",
                        "berlin", +1, now=NOW)
    for n in range(8):
        opened = NOW - dt.timedelta(days=n + 1, hours=n)
        ticket = open_ticket(db, f"person-{n}", CHAT + n, "ar", "berlin", "services.housing",
                             urgent=n == 0, now=opened)
        add_message(db, ticket.id, "user", f"{SECRET} I have nowhere to sleep", now=opened)
        claim(db, ticket.id, now=opened + dt.timedelta(minutes=5 + 20 * n))
        close(db, ticket.id, now=opened + dt.timedelta(hours=3))
        rate(db, ticket.id, 4)
    open_ticket(db, "person-waiting", CHAT, "uk", "berlin", "rights.residence",
                now=NOW - dt.timedelta(minutes=25))


@pytest.fixture(scope="module")
def labels() -> Labels:
    return labels_from_content(PROJECT / "content")


def test_report_page_shows_the_four_questions_city_staff_ask(db: Database, tmp_path: Path,
                                                              labels: Labels) -> None:
    fill(db)
    page = build_report(db, SINCE, tmp_path / "report", labels, now=NOW)

    text = check_page(page)
    assert {p.name for p in page.parent.iterdir()} == {"index.html", *CHART_FILES}
    for heading in ("Top topics by language", "Questions the bot could not answer",
                    "Entries with the worst feedback", "Requests for a person"):
        assert heading in text
    assert "Residence and asylum" in text  # topic names from the content, not ids
    assert "Can I keep my dog in the shelter? my name is [name], call [number]" in text
    assert "Waiting right now: 1 request(s), the longest for 25 min" in text
    assert "9 requests, 1 urgent; 8 taken by a caseworker, 8 closed" in text


def test_report_holds_no_personal_data(db: Database, tmp_path: Path) -> None:
    fill(db)
    page = build_report(db, SINCE, tmp_path / "report", now=NOW)
    for path in page.parent.iterdir():
        data = path.read_bytes()
        for secret in (SECRET, "Olena", str(CHAT), "person-", "key-"):
            assert secret.encode() not in data, (path.name, secret)


def test_an_empty_period_still_makes_a_page(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "report"
    out.mkdir()
    (out / "feedback.png").write_bytes(b"stale chart from an earlier run")
    page = build_report(db, SINCE, out, Labels(), now=NOW)
    text = check_page(page)
    assert "The bot answered every question in this period." in text
    assert "Nobody is waiting for a caseworker right now." in text
    assert [p.name for p in out.iterdir()] == ["index.html"]


def test_the_page_renders_in_a_browser(tmp_path: Path) -> None:
    """Headless Chromium draws the page with its charts (the chart colours appear)."""
    browser = chromium()
    if browser is None:
        pytest.fail("Chromium is not installed: run `make system-deps` (Debian package chromium)")
    db = Database(f"sqlite:///{tmp_path}/arrival.db")
    db.migrate()
    fill(db)
    page = build_report(db, SINCE, tmp_path / "report", now=NOW)
    db.dispose()
    shot = imread(screenshot(page, tmp_path / "shot.png", browser))
    assert shot.shape[0] >= 1000 and shot.shape[1] >= 1000
    sample = shot[::4, ::4].reshape(-1, shot.shape[2])
    pixels = {tuple(round(float(c) * 255) for c in px[:3]) for px in sample}
    assert (0x15, 0x65, 0xC0) in pixels  # the blue of the charts: the images were drawn
    assert len(pixels) > 50  # text, tables and charts, not a blank page
