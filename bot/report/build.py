"""Gathers the anonymous rows, computes the figures, draws the charts and writes the page."""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bot.report.charts import draw_all
from bot.report.figures import Figures, Labels, compute
from bot.report.page import render
from storage import Database
from storage.models import utcnow
from storage.reports import (
    feedback_totals,
    handoffs,
    message_counts,
    unanswered_questions,
    waiting_now,
)

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)
CHART_FILES = ("messages-per-day.png", "topics-by-language.png", "feedback.png",
               "handoff-waiting.png")
_RELATIVE = re.compile(r"^(\d+)\s*([dw])$")


class ReportError(Exception):
    """The report cannot be made (bad --since, unwritable folder); the message says why."""


def parse_since(value: str, today: dt.date) -> dt.date:
    """`30d`, `4w` (days or weeks back from today) or a date `2026-10-01`."""
    if match := _RELATIVE.match(value.strip().lower()):
        amount, unit = int(match.group(1)), match.group(2)
        days = amount * (7 if unit == "w" else 1)
        return today - dt.timedelta(days=max(days - 1, 0))
    try:
        since = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ReportError(f"--since {value!r}: use 30d, 4w or a date like 2026-10-01") from None
    if since > today:
        raise ReportError(f"--since {value}: the date is in the future")
    return since


def labels_from_content(content_dir: Path) -> Labels:
    """Topic names and entry titles in English; plain ids when the content does not load."""
    from guides.issues import ContentError
    from guides.loader import load_content

    try:
        content, _ = load_content(content_dir, strict=False)
    except ContentError:
        logger.warning("Content did not load: the report shows topic and entry ids")
        return Labels()
    topics = {topic: content.text("en", f"topic.{topic}") for topic in content.taxonomy.topics}
    entries = {entry.id: entry.title.get("en") or next(iter(entry.title.values()), entry.id)
               for pack in content.cities.values() for entry in pack.entries.values()}
    return Labels(topics, entries)


def gather(db: Database, since: dt.date, now: dt.datetime, labels: Labels) -> Figures:
    return compute(since, now.date(), message_counts(db, since), feedback_totals(db, since),
                   unanswered_questions(db, since), handoffs(db, since), waiting_now(db, now),
                   labels)


def build_report(db: Database, since: dt.date, out: Path, labels: Labels | None = None,
                 now: dt.datetime | None = None) -> Path:
    """Write `out/index.html` and its charts; returns the page's path."""
    now = now or utcnow()
    labels = labels or Labels()
    figures = gather(db, since, now, labels)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in CHART_FILES:  # no stale chart from an earlier run stays beside the page
            (out / name).unlink(missing_ok=True)
        charts = draw_all(figures, out)
        page = out / "index.html"
        page.write_text(render(figures, charts, now, labels), encoding="utf-8")
    except OSError as error:
        raise ReportError(f"Cannot write the report to {out}: {error}") from error
    return page


def report_command(settings: Settings, since: str, out: Path) -> int:
    """`python -m bot report`: prints where the page is, or why it could not be made."""
    from bot.app import open_database, resolve

    started = time.perf_counter()
    try:
        first_day = parse_since(since, utcnow().date())
        db = open_database(settings)
        try:
            labels = labels_from_content(resolve(settings, settings.content_dir))
            page = build_report(db, first_day, out, labels)
        finally:
            db.dispose()
    except ReportError as error:
        print(error, file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"Cannot read the database ({type(error).__name__}): is DATABASE_URL right?",
              file=sys.stderr)
        return 1
    charts = sum((out / name).exists() for name in CHART_FILES)
    print(f"Wrote {page} with {charts} chart(s), from {first_day} to today, "
          f"in {time.perf_counter() - started:.1f} s")
    return 0
