"""Routing quality on the held-out set, through the whole pipeline, plus parse latency."""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.pipeline import Incoming, Pipeline
from nlu.router import SAFETY_ROUTES

HELDOUT = Path(__file__).parent / "heldout.jsonl"


@dataclass(frozen=True)
class Result:
    text: str
    lang: str
    expected: str
    got: str
    status: str
    seconds: float
    tags: tuple[str, ...]


async def evaluate(pipeline: Pipeline, path: Path = HELDOUT) -> list[Result]:
    """Send every held-out question through the pipeline, as `ask` does."""
    results = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        started = time.perf_counter()
        outcome = await pipeline.handle(Incoming(text=item["text"], lang=item.get("lang")))
        results.append(Result(item["text"], item["lang"], item["route"], outcome.route,
                              outcome.status, time.perf_counter() - started,
                              tuple(item.get("tags", []))))
    return results


def _f1(results: list[Result]) -> float:
    labels = {r.expected for r in results} | {r.got for r in results}
    scores = []
    for label in labels:
        tp = sum(1 for r in results if r.got == label and r.expected == label)
        fp = sum(1 for r in results if r.got == label and r.expected != label)
        fn = sum(1 for r in results if r.got != label and r.expected == label)
        if tp + fp + fn == 0:
            continue
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0)
    return statistics.fmean(scores) if scores else 0.0


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def report(results: list[Result], training_seconds: float | None) -> str:
    """Markdown tables of the quality figures the NLU issue asks for."""
    right = sum(r.got == r.expected for r in results)
    by_lang: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_lang[r.lang].append(r)
    oos_pred = [r for r in results if r.got == "out_of_scope"]
    oos_true = [r for r in results if r.expected == "out_of_scope"]
    safety = [r for r in results if r.expected in SAFETY_ROUTES]
    latencies = sorted(r.seconds * 1000 for r in results)
    confused = Counter((r.expected, r.got) for r in results if r.got != r.expected)
    clarify = sum(r.status == "clarify" for r in results)
    lines = [
        "### NLU routing quality (held-out set, never used for training)",
        "",
        "| metric | value |", "| --- | --- |",
        f"| questions | {len(results)} |",
        f"| route accuracy | {_pct(right, len(results))} |",
        f"| macro-F1 | {_f1(results):.3f} |",
        f"| out-of-scope precision | {_pct(sum(r.expected == 'out_of_scope' for r in oos_pred), len(oos_pred))} |",  # noqa: E501
        f"| out-of-scope recall | {_pct(sum(r.got == 'out_of_scope' for r in oos_true), len(oos_true))} |",  # noqa: E501
        f"| safety-route recall | {_pct(sum(r.got == r.expected for r in safety), len(safety))} |",
        f"| answered with a clarifying question | {_pct(clarify, len(results))} |",
        f"| parse latency p50 / p95 (whole pipeline) | {_percentile(latencies, 50):.1f} ms / "
        f"{_percentile(latencies, 95):.1f} ms |",
        f"| training time | {training_seconds:.0f} s |" if training_seconds else
        "| training time | n/a |",
        "", "| language | questions | accuracy |", "| --- | --- | --- |",
    ]
    for lang, items in sorted(by_lang.items()):
        lines.append(f"| {lang} | {len(items)} | "
                     f"{_pct(sum(r.got == r.expected for r in items), len(items))} |")
    for tag in ("typo", "nopunct", "short", "translit", "mixed"):
        tagged = [r for r in results if tag in r.tags]
        if tagged:
            lines.append(f"| tag:{tag} | {len(tagged)} | "
                         f"{_pct(sum(r.got == r.expected for r in tagged), len(tagged))} |")
    lines += ["", "| most confused (expected -> got) | count |", "| --- | --- |"]
    lines += [f"| {a} -> {b} | {n} |" for (a, b), n in confused.most_common(5)]
    return "\n".join(lines) + "\n"


def mistakes(results: list[Result]) -> list[Result]:
    return [r for r in results if r.got != r.expected]


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(pct / 100 * len(values)) - 1))
    return values[index]
