"""PNG charts for the report (matplotlib, no display needed). Each returns the file it wrote, or
None when the period has no data for it."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.report.figures import Figures, Labels, percentile

GREEN, GREY, RED, BLUE = "#2e7d32", "#9e9e9e", "#c62828", "#1565c0"
PALETTE = ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#ad1457",
           "#5d4037", "#455a64"]
DPI = 110


def _counts_on(axes: Axes, axis: str) -> None:
    """Whole numbers on a count axis, and no box around the plot."""
    (axes.xaxis if axis == "x" else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)


def _save(figure: Figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=DPI, facecolor="white", bbox_inches="tight")
    plt.close(figure)
    return path


def daily_chart(figures: Figures, out: Path) -> Path | None:
    """Messages per day: answered vs not answered (clarifying question or out of scope)."""
    if not figures.messages:
        return None
    days = list(range(len(figures.days)))
    answered = [d.answered for d in figures.days]
    unanswered = [d.unanswered for d in figures.days]
    figure, axes = plt.subplots(figsize=(9, 3.2))
    axes.bar(days, answered, color=GREEN, label="answered")
    axes.bar(days, unanswered, bottom=answered, color=GREY, label="not answered")
    axes.set_ylabel("messages")
    axes.legend(frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2)
    _counts_on(axes, "y")
    step = max(1, len(days) // 10)
    axes.set_xticks(days[::step], [f"{d.day:%d %b}" for d in figures.days[::step]])
    figure.autofmt_xdate()
    return _save(figure, out / "messages-per-day.png")


def topics_chart(figures: Figures, out: Path, top: int = 12) -> Path | None:
    """The most asked topics, each bar split by the language people wrote in."""
    rows = figures.topics[:top][::-1]
    if not rows:
        return None
    langs = [row.lang for row in figures.languages]
    figure, axes = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.4))
    left = [0] * len(rows)
    for i, lang in enumerate(langs):
        values = [row.by_lang.get(lang, 0) for row in rows]
        if not any(values):
            continue
        axes.barh([row.label for row in rows], values, left=left,
                  color=PALETTE[i % len(PALETTE)], label=Labels.language(lang))
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_xlabel("messages")
    axes.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                title="language", title_fontsize="small")
    _counts_on(axes, "x")
    return _save(figure, out / "topics-by-language.png")


def feedback_chart(figures: Figures, out: Path, top: int = 10) -> Path | None:
    """👍 and 👎 of the entries people found least helpful."""
    rows = [row for row in figures.entries if row.down][:top][::-1]
    if not rows:
        return None
    labels = [row.label[:48] for row in rows]
    figure, axes = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.2))
    axes.barh(labels, [-row.down for row in rows], color=RED, label="not helpful")
    axes.barh(labels, [row.up for row in rows], color=GREEN, label="helpful")
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_xlabel("votes (not helpful ← → helpful)")
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{abs(value):.0f}"))
    axes.legend(frameon=False, ncol=2, loc="lower center", fontsize="small",
                bbox_to_anchor=(0.5, 1.0))
    _counts_on(axes, "x")
    return _save(figure, out / "feedback.png")


def handoff_chart(figures: Figures, out: Path) -> Path | None:
    """How long people waited for a caseworker to take their request, in minutes."""
    waits = [s / 60 for s in figures.handoffs.claim_seconds]
    if not waits:
        return None
    figure, axes = plt.subplots(figsize=(9, 3.2))
    bins = [0, 5, 15, 30, 60, 120, 240, 480, 1440, max(2880.0, max(waits) + 1)]
    counts = [sum(lo <= w < hi for w in waits) for lo, hi in pairwise(bins)]
    names = ["<5 min", "5-15", "15-30", "30-60", "1-2 h", "2-4 h", "4-8 h", "8-24 h", ">1 day"]
    axes.bar(names, counts, color=BLUE)
    median_wait = percentile(figures.handoffs.claim_seconds, 0.5)
    if median_wait is not None:
        axes.set_title(f"median wait {median_wait / 60:.0f} min", loc="left", fontsize="medium")
    axes.set_ylabel("handoffs")
    _counts_on(axes, "y")
    return _save(figure, out / "handoff-waiting.png")


def draw_all(figures: Figures, out: Path) -> dict[str, Path]:
    charts = {"daily": daily_chart(figures, out), "topics": topics_chart(figures, out),
              "feedback": feedback_chart(figures, out), "handoffs": handoff_chart(figures, out)}
    return {name: path for name, path in charts.items() if path is not None}
