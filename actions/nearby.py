"""Services near me: the nearest services of the directory for a shared location or a district,
with distance, whether they are open now (in the city's time zone) and the languages spoken."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from actions.buttons import menu_button
from actions.context import ActionContext, translated
from actions.replies import Button, Link, Reply
from guides.content import CityPack
from guides.models import LANGUAGES, WEEKDAYS, District, Service

EARTH_RADIUS_KM = 6371.0088
MAX_SHOWN = 3  # a phone screen: the three nearest, not the whole directory
DECIMAL_COMMA = frozenset({"de", "uk", "ru", "tr", "fr", "es"})
LOCATION_ACTION = "location"  # channels draw this button as "share my location"

OpenState = Literal["open", "closed", "always", "unknown"]


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


def distance_km(a: Point, b: Point) -> float:
    """Great-circle (haversine) distance in kilometres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _minutes(clock: str) -> int:
    hours, minutes = clock.strip().split(":")
    return int(hours) * 60 + int(minutes)


def _spans(day_hours: str | None) -> list[tuple[int, int]]:
    """"09:00-12:00, 13:00-16:00" -> [(540, 720), (780, 960)]; "closed" or missing -> []."""
    if not day_hours or day_hours.strip() == "closed":
        return []
    spans = []
    for span in day_hours.split(","):
        start, _, end = span.partition("-")
        spans.append((_minutes(start), _minutes(end)))
    return spans


def _day_hours(service: Service, day: str) -> str | None:
    hours: Mapping[Any, str] = service.hours if isinstance(service.hours, dict) else {}
    return hours.get(day)


def open_state(service: Service, timezone: str, now: dt.datetime | None = None) -> OpenState:
    """Whether the service is open at `now` (aware, any zone) in the city's local time."""
    if service.hours is None:
        return "unknown"
    if service.hours == "24/7":
        return "always"
    local = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(timezone))
    minute = local.hour * 60 + local.minute
    today = WEEKDAYS[local.weekday()]
    yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
    for start, end in _spans(_day_hours(service, today)):
        if start <= minute < end or (end <= start and minute >= start):  # overnight spans too
            return "open"
    for start, end in _spans(_day_hours(service, yesterday)):
        if end <= start and minute < end:  # yesterday's overnight span runs into today
            return "open"
    return "closed"


def _fold(text: str) -> str:
    """Lower case without accents or punctuation, so "neukolln" finds "Neukölln"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c if c.isalnum() else " " for c in decomposed
                   if not unicodedata.combining(c))
    return " ".join(kept.split())


@lru_cache(maxsize=4096)
def _folded_name(name: str) -> str:
    """`_fold` of a district name. Cached: every message is compared with every name, and
    these are content strings (what people write is never cached)."""
    return _fold(name)


def find_district(pack: CityPack, text: str) -> District | None:
    """The district whose name or alias is the whole text ("Neukölln", "нойкельн")."""
    wanted = _fold(text)
    if not wanted:
        return None
    for district in pack.city.districts:
        if any(_folded_name(name) == wanted for name in (district.name, *district.aliases)):
            return district
    return None


def ask_location(ctx: ActionContext) -> Reply:
    """Ask for a location: Telegram shows a share-location keyboard; a district can be typed."""
    return Reply(text=ctx.t("near.ask"), ask_location=True,
                 buttons=((Button(ctx.t("button.share_location"), LOCATION_ACTION),),))


def _km(ctx: ActionContext, km: float) -> str:
    number = f"{km:.1f}"
    return number.replace(".", ",") if ctx.lang in DECIMAL_COMMA else number


def _languages(ctx: ActionContext, service: Service) -> str:
    names = [ctx.content.text(code, "language.native_name") if code in LANGUAGES else code
             for code in service.languages]
    return ", ".join(names)


def _hours_line(ctx: ActionContext, service: Service, now: dt.datetime | None) -> str:
    state = open_state(service, ctx.city.city.timezone, now)
    if state == "always":
        return "🕒 " + ctx.t("near.always_open")
    if state == "unknown":
        return "🕒 " + ctx.t("near.hours_unknown")
    local = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(ctx.city.city.timezone))
    today = _day_hours(service, WEEKDAYS[local.weekday()]) or "closed"
    label = ctx.t("near.open_now" if state == "open" else "near.closed_now")
    return f"🕒 {label}" + (f" ({today})" if today.strip() != "closed" else "")


def describe(ctx: ActionContext, service: Service, km: float | None,
             now: dt.datetime | None = None) -> str:
    """One service as a few short lines: name and distance, address, hours, languages, phone."""
    lines = [service.name]
    if km is not None:
        lines[0] += " — " + ctx.t("near.distance", distance=_km(ctx, km))
    if service.description and (description := translated(service.description, ctx.lang)):
        lines.append(description)
    if service.address:
        lines.append(f"📍 {service.address}")
    lines.append(_hours_line(ctx, service, now))
    if service.languages:
        lines.append("🗣 " + ctx.t("near.languages", languages=_languages(ctx, service)))
    if service.phone:
        lines.append(f"☎ {service.phone}")
    return "\n".join(lines)


def _matching(pack: CityPack, topic: str | None) -> list[Service]:
    return [s for s in pack.services.values() if not topic or topic in s.topics]


def services_near(ctx: ActionContext, here: Point, topic: str | None = None,
                  place: str | None = None, now: dt.datetime | None = None) -> list[Reply]:
    """The nearest services of `topic` (every topic when None) around `here`."""
    candidates = _matching(ctx.city, topic)
    located = sorted(((distance_km(here, Point(s.location.lat, s.location.lon)), s)
                      for s in candidates if s.location is not None),
                     key=lambda pair: pair[0])[:MAX_SHOWN]
    buttons = (menu_button(ctx),)
    if located:
        title = ctx.t("near.title_place", place=place) if place else ctx.t("near.title")
        text = "\n\n".join(describe(ctx, service, km, now) for km, service in located)
        links = tuple(Link(service.name, str(service.website))
                      for _, service in located if service.website)
        return [Reply(title=title, text=text, links=links, buttons=buttons)]
    citywide = [s for s in candidates if s.location is None][:MAX_SHOWN]
    if not citywide:
        return [Reply(text=ctx.t("topic.no_content"), buttons=buttons)]
    text = "\n\n".join(describe(ctx, service, None, now) for service in citywide)
    links = tuple(Link(service.name, str(service.website)) for service in citywide
                  if service.website)
    return [Reply(title=ctx.t("near.none"), text=text, links=links, buttons=buttons)]


def has_services(pack: CityPack, topic: str | None) -> bool:
    """Whether "services near me" has anything to show for this topic."""
    return bool(_matching(pack, topic))
