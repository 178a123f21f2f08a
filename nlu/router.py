"""Turn a Parse into a decision: answer, ask to clarify, or put safety first.

Why here and not Rasa's FallbackClassifier: the fallback classifier has one threshold for all
intents, while a missed cry for help costs far more than an extra emergency notice, so safety
routes get their own, lower bar, and the decision uses topic scores summed over entries.
"""

from __future__ import annotations

from dataclasses import dataclass

from nlu.parse import Parse

SAFETY_ROUTES = frozenset({"emergency", "services.gbv", "services.children"})
# Routes explicit danger words may point to: the safety routes, and the mental-health crisis
# (words of suicide), which must be answered at once rather than with a question.
DANGER_ROUTES = SAFETY_ROUTES | {"services.mental_health"}
ACTION_ROUTES = frozenset({"handoff", "greet", "thanks", "goodbye", "language_change",
                           "out_of_scope"})


@dataclass(frozen=True)
class Thresholds:
    """Tuned on the dev set (nlu/dev/dev.jsonl) with `python -m bench.tune`: the most accurate
    combination at the best reachable safety-route recall. Re-tune after large data changes."""

    confident: float = 0.35  # a route at or above this is answered directly ...
    margin: float = 0.0  # ... when it leads the runner-up by at least this much
    safety: float = 0.10  # a safety route at or above this ...
    safety_margin: float = 0.30  # ... within this of the leader wins
    out_of_scope: float = 0.30  # below this, "out of scope" turns into a clarification
    out_of_scope_share: float = 0.5  # unsure, and out-of-scope has this share of the leader's
    # score: say what the bot is for (with topic buttons) rather than suggest a wrong topic


@dataclass(frozen=True)
class Decision:
    route: str
    entry: str | None
    confidence: float
    clarify: bool
    candidates: tuple[str, ...] = ()


def decide(parse: Parse, thresholds: Thresholds = Thresholds()) -> Decision:
    """Choose what to do with a parsed message."""
    ranked = parse.top_routes(6)
    if not ranked:
        return Decision("out_of_scope", None, 0.0, clarify=True)
    top_route, top_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0

    # The rule-based safety net: explicit danger words are answered, never met with a
    # clarifying question. Their route wins over a non-safety guess and over an unsure guess of
    # another safety route; a confident safety guess of the model stands, except that violence
    # by a partner is always gender-based.
    danger = explicit_danger(parse)
    if danger and (
            danger == top_route or top_route not in SAFETY_ROUTES
            or top_score < thresholds.confident
            or (danger == "services.gbv" and _mentions(parse, "partner"))):
        score = parse.route_scores.get(danger, 0.0)
        return Decision(danger, parse.best_entry(danger), score, clarify=False)

    for route, score in ranked:
        if route in SAFETY_ROUTES and score >= thresholds.safety and (
                top_score - score) <= thresholds.safety_margin:
            return Decision(route, parse.best_entry(route), score, clarify=False)

    topics = tuple(route for route, _ in ranked if route not in ACTION_ROUTES)[:3]
    if top_route == "out_of_scope":
        if top_score >= thresholds.out_of_scope:
            return Decision(top_route, None, top_score, clarify=False)
        return Decision(top_route, None, top_score, clarify=True, candidates=topics)
    if top_score >= thresholds.confident and top_score - runner_up >= thresholds.margin:
        return Decision(top_route, parse.best_entry(top_route), top_score, clarify=False)
    candidates = topics if top_route in topics else (top_route, *topics[:2])
    out_of_scope = parse.route_scores.get("out_of_scope", 0.0)
    if out_of_scope >= thresholds.out_of_scope_share * top_score:
        return Decision("out_of_scope", None, out_of_scope, clarify=True, candidates=candidates)
    return Decision(top_route, parse.best_entry(top_route), top_score, clarify=True,
                    candidates=candidates)


def explicit_danger(parse: Parse) -> str | None:
    """The safety route that explicit danger words in the message point to (first in text)."""
    for entity in parse.entities:
        if entity.kind == "danger" and entity.value in DANGER_ROUTES:
            return entity.value
    return None


def _mentions(parse: Parse, kind: str) -> bool:
    return any(entity.kind == kind for entity in parse.entities)
