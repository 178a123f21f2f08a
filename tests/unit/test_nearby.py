"""Services near me: distances, opening hours in the city's time zone, districts, the reply."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from actions import ActionContext
from actions.nearby import (
    Point,
    distance_km,
    find_district,
    open_state,
    services_near,
)
from guides.models import Service
from guides.store import ContentStore

BERLIN = "Europe/Berlin"


def service(**fields: Any) -> Service:
    base: dict[str, Any] = {"id": "test_office", "name": "Test office", "topics": ["emergency"],
                            "last_reviewed": "2026-11-01"}
    return Service.model_validate(base | fields)


def berlin_time(weekday: int, hour: int, minute: int = 0) -> dt.datetime:
    """A local Berlin time on a given weekday (0 = Monday) of a winter week."""
    monday = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)  # a Monday; Berlin is UTC+1 then
    return monday + dt.timedelta(days=weekday, hours=hour - 1, minutes=minute)


def test_haversine_distance_matches_a_known_one() -> None:
    brandenburg_gate = Point(52.5163, 13.3777)
    alexanderplatz = Point(52.5219, 13.4132)
    assert distance_km(brandenburg_gate, alexanderplatz) == pytest.approx(2.47, abs=0.05)
    assert distance_km(alexanderplatz, alexanderplatz) == 0


def test_open_now_follows_the_weekly_hours_in_local_time() -> None:
    office = service(hours={"mon": "09:00-12:00, 13:00-16:00", "sat": "closed"})
    assert open_state(office, BERLIN, berlin_time(0, 9, 30)) == "open"
    assert open_state(office, BERLIN, berlin_time(0, 12, 30)) == "closed"  # lunch break
    assert open_state(office, BERLIN, berlin_time(0, 16, 0)) == "closed"
    assert open_state(office, BERLIN, berlin_time(5, 10)) == "closed"  # "closed"
    assert open_state(office, BERLIN, berlin_time(2, 10)) == "closed"  # day not listed


def test_open_now_uses_the_city_time_zone_not_utc() -> None:
    office = service(hours={"mon": "09:00-10:00"})
    at_nine_utc = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # 10:00 in Berlin
    assert open_state(office, BERLIN, at_nine_utc) == "closed"
    assert open_state(office, "UTC", at_nine_utc) == "open"


def test_overnight_hours_and_round_the_clock() -> None:
    shelter = service(hours={"fri": "20:00-08:00"})
    assert open_state(shelter, BERLIN, berlin_time(4, 23)) == "open"
    assert open_state(shelter, BERLIN, berlin_time(5, 7)) == "open"  # Saturday morning
    assert open_state(shelter, BERLIN, berlin_time(5, 9)) == "closed"
    assert open_state(service(hours="24/7"), BERLIN) == "always"
    assert open_state(service(hours=None), BERLIN) == "unknown"


def test_typed_districts_and_aliases_are_found(content_store: ContentStore) -> None:
    berlin = content_store.current.city("berlin")
    found = find_district(berlin, "Neukölln")
    assert found is not None and found.name == "Neukölln"
    for typed in ("neukolln", "  NEUKÖLLN ", "Нойкёльн"):
        district = find_district(berlin, typed)
        assert district is not None and district.name == "Neukölln", typed
    assert find_district(berlin, "how do I register in Neukölln") is None
    assert find_district(berlin, "") is None


def test_nearest_services_come_first_with_distance_hours_and_languages(
        content_store: ContentStore) -> None:
    content = content_store.current
    ctx = ActionContext(content, "en", "berlin", "services.registration")
    [reply] = services_near(ctx, Point(52.481, 13.435), "services.registration", "Neukölln")
    assert reply.title == "Services near Neukölln:"
    first = reply.text.split("\n\n")[0]
    assert first.startswith("Bürgeramt Neukölln")
    assert " km" in first.splitlines()[0]
    assert "🕒" in first and "Languages: Deutsch" in first
    distances = [float(block.splitlines()[0].rsplit("— ", 1)[1].removesuffix(" km"))
                 for block in reply.text.split("\n\n")]
    assert distances == sorted(distances) and len(distances) <= 3


def test_distance_uses_a_decimal_comma_where_people_write_one(
        content_store: ContentStore) -> None:
    ctx = ActionContext(content_store.current, "de", "berlin", "services.registration")
    [reply] = services_near(ctx, Point(52.52, 13.40), "services.registration")
    assert reply.title == "Angebote in Ihrer Nähe:"
    assert re.search(r"— \d+,\d km$", reply.text.splitlines()[0])
    assert "Sprachen:" in reply.text
