"""What the language understanding says about one message, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field

ENTRY_SEPARATOR = "__"


@dataclass(frozen=True)
class IntentScore:
    """One intent of the model's ranking. Content intents are named `<topic>__<entry>`."""

    name: str
    confidence: float

    @property
    def route(self) -> str:
        return self.name.split(ENTRY_SEPARATOR, 1)[0]

    @property
    def entry(self) -> str | None:
        parts = self.name.split(ENTRY_SEPARATOR, 1)
        return parts[1] if len(parts) == 2 else None


@dataclass(frozen=True)
class Entity:
    kind: str
    value: str
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Parse:
    """The NLU's reading of a message: the best intent, the full ranking and entities."""

    intent: IntentScore
    ranking: tuple[IntentScore, ...]
    entities: tuple[Entity, ...] = ()
    source: str = "rasa"  # "rasa" or "search" (degraded mode)
    route_scores: dict[str, float] = field(default_factory=dict)

    @staticmethod
    def from_ranking(
        ranking: list[IntentScore], entities: tuple[Entity, ...] = (), source: str = "rasa"
    ) -> Parse:
        ordered = tuple(sorted(ranking, key=lambda score: score.confidence, reverse=True))
        routes: dict[str, float] = {}
        for score in ordered:
            routes[score.route] = routes.get(score.route, 0.0) + score.confidence
        best = ordered[0] if ordered else IntentScore("out_of_scope", 0.0)
        return Parse(best, ordered, entities, source, routes)

    def top_routes(self, n: int) -> list[tuple[str, float]]:
        """The n most likely routes, summing the confidence of entries within a topic."""
        return sorted(self.route_scores.items(), key=lambda item: item[1], reverse=True)[:n]

    def best_entry(self, route: str) -> str | None:
        for score in self.ranking:
            if score.route == route and score.entry:
                return score.entry
        return None
