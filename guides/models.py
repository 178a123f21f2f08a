"""Typed model of the arrival guides: entries, the service directory, cities and UI strings.

These pydantic models are the single source of truth for the content format: the loader
validates YAML against them and `python -m bot content schema` exports them as JSON Schema
for editors' editors.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, field_validator

LANGUAGES: tuple[str, ...] = ("en", "de", "uk", "ru", "ar", "fa", "tr", "fr", "es")
RTL_LANGUAGES: frozenset[str] = frozenset({"ar", "fa"})
Lang = Literal["en", "de", "uk", "ru", "ar", "fa", "tr", "fr", "es"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,40}$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Translated = dict[Lang, NonEmpty]

MAX_ANSWER_CHARS = 700
_HOURS_SPAN = re.compile(r"^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


class _Strict(BaseModel):
    """Base for content models: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Link(_Strict):
    url: HttpUrl
    label: NonEmpty = Field(description="Short link text, usually the site's own name.")


class Source(_Strict):
    url: HttpUrl
    note: str = Field(default="", description="Which fact in the answer this source supports.")


class Entry(_Strict):
    """One answer in the arrival guide, in every language."""

    id: Slug = Field(description="Unique id, snake_case; stays stable when the text changes.")
    topic: NonEmpty = Field(description="A topic id from the taxonomy, e.g. transport.tickets.")
    urgent: bool = Field(default=False,
                         description="Safety entries: answer at once, offer a person.")
    last_reviewed: dt.date
    title: Translated
    answer: Translated = Field(description=f"At most {MAX_ANSWER_CHARS} characters per language.")
    questions: dict[Lang, list[NonEmpty]] = Field(
        description="Example questions people ask; compiled into the bot's training data."
    )
    links: list[Link] = Field(default_factory=list)
    services: list[Slug] = Field(default_factory=list, description="Ids from services.yml.")
    sources: list[Source] = Field(default_factory=list)


class GuideFile(_Strict):
    entries: list[Entry]


class GeoPoint(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


OpeningHours = dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], str]


class Service(_Strict):
    """An organisation or office in the service directory."""

    id: Slug
    name: NonEmpty
    topics: list[NonEmpty] = Field(min_length=1)
    description: Translated = Field(default_factory=dict)
    address: str | None = Field(default=None, description="Street address; null for phone lines.")
    district: str | None = None
    location: GeoPoint | None = None
    hours: OpeningHours | Literal["24/7"] | None = Field(
        default=None,
        description='"24/7", or per weekday "09:00-17:00" / "09:00-12:00, 13:00-16:00" / "closed".',
    )
    languages: list[Lang | NonEmpty] = Field(default_factory=list)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()/-]{3,25}$")
    website: HttpUrl | None = None
    cost: Literal["free", "paid", "mixed"] = "free"
    last_reviewed: dt.date

    @field_validator("hours")
    @classmethod
    def _hours_are_spans(cls, hours: OpeningHours | str | None) -> OpeningHours | str | None:
        if isinstance(hours, dict):
            for day, spans in hours.items():
                if spans.strip() == "closed":
                    continue
                for span in spans.split(","):
                    if not _HOURS_SPAN.match(span.strip()):
                        raise ValueError(f"{day}: '{span.strip()}' is not like 09:00-17:00")
        return hours


class ServiceFile(_Strict):
    services: list[Service]


class EmergencyNumber(_Strict):
    number: Annotated[str, StringConstraints(pattern=r"^[0-9 ]{3,20}$")]
    label: Translated


class District(_Strict):
    name: NonEmpty
    location: GeoPoint
    aliases: list[NonEmpty] = Field(default_factory=list)


class City(_Strict):
    """A city's own settings: names, time zone, emergency numbers, caseworker office hours."""

    id: Slug
    name: Translated
    timezone: NonEmpty = Field(description="IANA time zone, e.g. Europe/Berlin.")
    center: GeoPoint
    emergency: list[EmergencyNumber] = Field(min_length=1)
    office_hours: OpeningHours = Field(description="When caseworkers answer, in local time.")
    districts: list[District] = Field(default_factory=list)


class UIStrings(_Strict):
    """Interface text for one language: menus, buttons, notices."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    strings: dict[NonEmpty, str]
