"""The report's figures, computed from anonymous rows: what people ask, in which language, what
the bot could not answer, which entries people found unhelpful, how long handoffs waited."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from statistics import median

from storage.reports import FeedbackTotal, Handoff, MessageCount, UnansweredQuestion, Waiting

ACTIONS = {"handoff": "Asked for a person", "greet": "Greetings", "thanks": "Thanks",
           "goodbye": "Goodbyes", "language_change": "Changed language",
           "out_of_scope": "Not the bot's subject"}
LANGUAGE_NAMES = {"en": "English", "de": "German", "uk": "Ukrainian", "ru": "Russian",
                  "ar": "Arabic", "fa": "Farsi", "tr": "Turkish", "fr": "French",
                  "es": "Spanish"}
ANSWERED = ("answered", "degraded")


@dataclass(frozen=True)
class Labels:
    """Readable names for ids (from the content when it loads; the ids otherwise)."""

    topics: dict[str, str] = field(default_factory=dict)
    entries: dict[str, str] = field(default_factory=dict)

    def route(self, route: str) -> str:
        return self.topics.get(route) or ACTIONS.get(route) or route

    def entry(self, entry_id: str) -> str:
        return self.entries.get(entry_id, entry_id)

    @staticmethod
    def language(code: str) -> str:
        return LANGUAGE_NAMES.get(code, code)

    def is_topic(self, route: str) -> bool:
        return route in self.topics if self.topics else route not in ACTIONS


@dataclass(frozen=True)
class Day:
    day: dt.date
    answered: int
    unanswered: int


@dataclass(frozen=True)
class TopicRow:
    route: str
    label: str
    total: int
    by_lang: dict[str, int]


@dataclass(frozen=True)
class LanguageRow:
    lang: str
    messages: int
    answered: int

    @property
    def share(self) -> float:
        return self.answered / self.messages if self.messages else 0.0


@dataclass(frozen=True)
class QuestionRow:
    text: str
    lang: str
    best_route: str
    count: int
    last_day: dt.date


@dataclass(frozen=True)
class EntryRow:
    entry_id: str
    label: str
    up: int
    down: int

    @property
    def unhelpful(self) -> float:
        """Lower bound of the 👎 share (Wilson, 90 %): few votes weigh less than many."""
        n = self.up + self.down
        if n == 0:
            return 0.0
        z, p = 1.645, self.down / n
        centre = p + z * z / (2 * n)
        spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        return (centre - spread) / (1 + z * z / n)


@dataclass(frozen=True)
class HandoffFigures:
    opened: int
    claimed: int
    closed: int
    urgent: int
    claim_seconds: list[int]
    close_seconds: list[int]
    urgent_claim_seconds: list[int]
    ratings: list[int]
    by_topic: list[tuple[str, int, float | None]]  # label, opened, median minutes to claim
    waiting_now: list[Waiting]


@dataclass(frozen=True)
class Figures:
    since: dt.date
    until: dt.date
    messages: int
    answered: int
    days: list[Day]
    topics: list[TopicRow]
    languages: list[LanguageRow]
    cities: dict[str, int]
    questions: list[QuestionRow]
    unanswered_total: int
    entries: list[EntryRow]
    handoffs: HandoffFigures


def is_answered(row: MessageCount) -> bool:
    return row.status in ANSWERED and row.route != "out_of_scope"


def compute(since: dt.date, until: dt.date, counts: list[MessageCount],
            votes: list[FeedbackTotal], questions: list[UnansweredQuestion],
            handoffs: list[Handoff], waiting: list[Waiting], labels: Labels) -> Figures:
    answered_by_day: Counter[dt.date] = Counter()
    unanswered_by_day: Counter[dt.date] = Counter()
    topics: dict[str, Counter[str]] = defaultdict(Counter)
    langs: Counter[str] = Counter()
    langs_answered: Counter[str] = Counter()
    cities: Counter[str] = Counter()
    for row in counts:
        ok = is_answered(row)
        (answered_by_day if ok else unanswered_by_day)[row.day] += row.count
        langs[row.lang] += row.count
        langs_answered[row.lang] += row.count if ok else 0
        cities[row.city] += row.count
        if labels.is_topic(row.route) and row.status != "clarify":
            topics[row.route][row.lang] += row.count
    days = [Day(since + dt.timedelta(days=i), answered_by_day[since + dt.timedelta(days=i)],
                unanswered_by_day[since + dt.timedelta(days=i)])
            for i in range((until - since).days + 1)]
    topic_rows = sorted((TopicRow(route, labels.route(route), sum(c.values()), dict(c))
                         for route, c in topics.items()), key=lambda t: (-t.total, t.route))
    language_rows = sorted((LanguageRow(lang, n, langs_answered[lang])
                            for lang, n in langs.items()), key=lambda r: (-r.messages, r.lang))
    total = sum(langs.values())
    return Figures(since, until, total, sum(langs_answered.values()), days, topic_rows,
                   language_rows, dict(cities.most_common()), _group_questions(questions),
                   len(questions), _entries(votes, labels), _handoffs(handoffs, waiting, labels))


def _group_questions(questions: list[UnansweredQuestion]) -> list[QuestionRow]:
    """The same question asked several times is one row, most asked first."""
    groups: dict[tuple[str, str], list[UnansweredQuestion]] = defaultdict(list)
    for q in questions:
        groups[(" ".join(q.text.lower().split()).rstrip("?!. "), q.lang)].append(q)
    rows = []
    for group in groups.values():
        routes = Counter(q.best_route for q in group)
        rows.append(QuestionRow(group[0].text, group[0].lang, routes.most_common(1)[0][0],
                                len(group), max(q.day for q in group)))
    return sorted(rows, key=lambda r: (-r.count, -r.last_day.toordinal(), r.text))


def _entries(votes: list[FeedbackTotal], labels: Labels) -> list[EntryRow]:
    per_entry: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for vote in votes:
        per_entry[vote.entry_id][0] += vote.up
        per_entry[vote.entry_id][1] += vote.down
    rows = [EntryRow(entry, labels.entry(entry), up, down)
            for entry, (up, down) in per_entry.items() if up + down]
    return sorted(rows, key=lambda r: (-r.unhelpful, -r.down, r.entry_id))


def _handoffs(handoffs: list[Handoff], waiting: list[Waiting], labels: Labels) -> HandoffFigures:
    by_topic: dict[str, list[Handoff]] = defaultdict(list)
    for h in handoffs:
        by_topic[h.topic].append(h)
    topic_rows = []
    for topic, group in sorted(by_topic.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        claims = [h.claim_seconds for h in group if h.claim_seconds is not None]
        topic_rows.append((labels.route(topic), len(group),
                           median(claims) / 60 if claims else None))
    return HandoffFigures(
        opened=len(handoffs),
        claimed=sum(h.claim_seconds is not None for h in handoffs),
        closed=sum(h.close_seconds is not None for h in handoffs),
        urgent=sum(h.urgent for h in handoffs),
        claim_seconds=sorted(h.claim_seconds for h in handoffs if h.claim_seconds is not None),
        close_seconds=sorted(h.close_seconds for h in handoffs if h.close_seconds is not None),
        urgent_claim_seconds=sorted(h.claim_seconds for h in handoffs
                                    if h.urgent and h.claim_seconds is not None),
        ratings=[h.rating for h in handoffs if h.rating is not None],
        by_topic=topic_rows, waiting_now=waiting)


def percentile(values: list[int], share: float) -> float | None:
    """The value below which `share` of the sorted `values` fall (nearest rank)."""
    if not values:
        return None
    rank = max(1, math.ceil(share * len(values)))
    return float(sorted(values)[rank - 1])
