"""Caseworkers' office hours (city.yml `office_hours`, in the city's time zone): whether someone
is answering now, and when they answer next, said in the person's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from guides.content import Content
from guides.models import WEEKDAYS

LOOK_AHEAD_DAYS = 8


def _spans(day_hours: str | None) -> list[tuple[int, int]]:
    """"09:00-12:00, 13:00-16:00" -> [(540, 720), (780, 960)]; "closed" or missing -> []."""
    if not day_hours or day_hours.strip() == "closed":
        return []
    spans = []
    for span in day_hours.split(","):
        start, _, end = span.strip().partition("-")
        spans.append((_minutes(start), _minutes(end)))
    return spans


def _minutes(clock: str) -> int:
    hours, minutes = clock.strip().split(":")
    return int(hours) * 60 + int(minutes)


def is_open(hours: Mapping[Any, str], timezone: str, now: dt.datetime) -> bool:
    """Whether caseworkers answer at `now` (any aware datetime)."""
    local = now.astimezone(ZoneInfo(timezone))
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end
               for start, end in _spans(hours.get(WEEKDAYS[local.weekday()])))


def next_opening(hours: Mapping[Any, str], timezone: str,
                 now: dt.datetime) -> dt.datetime | None:
    """The next moment caseworkers start answering (local time), None if they never do."""
    local = now.astimezone(ZoneInfo(timezone))
    for days in range(LOOK_AHEAD_DAYS):
        day = local.date() + dt.timedelta(days=days)
        for start, _ in sorted(_spans(hours.get(WEEKDAYS[day.weekday()]))):
            moment = dt.datetime.combine(day, dt.time(start // 60, start % 60),
                                         tzinfo=local.tzinfo)
            if moment > local:
                return moment
    return None


def when_text(content: Content, lang: str, opening: dt.datetime | None,
              now: dt.datetime) -> str:
    """"today at 09:00", "tomorrow at 09:00", "Monday at 09:00" in `lang`."""
    if opening is None:
        return content.text(lang, "handoff.wait.unknown")
    time = opening.strftime("%H:%M")
    days = (opening.date() - now.astimezone(opening.tzinfo).date()).days
    if days == 0:
        return content.text(lang, "handoff.when.today", time=time)
    if days == 1:
        return content.text(lang, "handoff.when.tomorrow", time=time)
    day = content.text(lang, f"weekday.{WEEKDAYS[opening.weekday()]}")
    return content.text(lang, "handoff.when.day", day=day, time=time)
