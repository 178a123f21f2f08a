"""The load benchmark's figures as Markdown for bench/results.md, with what each includes."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

from bench.load import (
    CEILING_CLIENTS,
    MESSAGES_PER_SECOND,
    RAMP,
    THINK,
    BareLevel,
    BotLevel,
    LoadResults,
    RasaEndpoint,
)
from bench.loadgen import ANSWER_TIMEOUT

TARGET_USERS, TARGET_RATE, TARGET_P95, TARGET_RATIO = 200, 60.0, 0.300, 1.5  # issue 9


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))]


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None or math.isnan(seconds) else f"{seconds * 1000:.0f} ms"


def _cpu_ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.1f} ms"


@dataclass(frozen=True)
class LevelFigures:
    """What one level of a bot run comes to."""

    label: str
    users: int
    paced: bool
    rate: float  # answered questions per second in the window
    p50: float
    p95: float
    p99: float
    lost: int
    duplicated: int
    degraded: int
    repeated: float  # share of questions whose text was asked before
    cpu: dict[str, float]  # CPU seconds per answered question, by process
    others: float  # cores other processes of the machine kept busy meanwhile

    @classmethod
    def of(cls, level: BotLevel, degraded_texts: frozenset[str]) -> LevelFigures:
        measured = level.measured
        latencies = [q.latency for q in measured if q.latency is not None]
        seconds = level.window[1] - level.window[0]
        answered = max(1, len(latencies))
        return cls(
            level.label, level.users, level.paced, len(latencies) / seconds,
            percentile(latencies, 50),
            percentile(latencies, 95), percentile(latencies, 99),
            sum(q.answered_at is None for q in level.questions),
            sum(q.duplicates for q in level.questions),
            sum(m["plain_text"] in degraded_texts for q in level.questions for m in q.messages),
            level.repeated / max(1, len(level.questions)),
            {name: cpu / answered for name, cpu in level.cpu.items() if name != "others"},
            level.cpu.get("others", 0.0) / seconds)

    def ratio(self, bare: BareLevel | None) -> float | None:
        alone = _bare_cpu(bare)
        if alone is None or "rasa" not in self.cpu:
            return None
        return (self.cpu["bot"] + self.cpu["rasa"]) / alone


def _bare_cpu(bare: BareLevel | None) -> float | None:
    """Rasa's CPU seconds per parse when the questions go straight to it."""
    if bare is None or bare.rasa_cpu is None or not bare.measured:
        return None
    return bare.rasa_cpu / len(bare.measured)


def _bare_rate(bare: BareLevel) -> float:
    return len(bare.measured) / (bare.window[1] - bare.window[0])


def _bare_row(name: str, bare: BareLevel) -> str:
    latencies = [p.latency for p in bare.measured]
    others = bare.others / (bare.window[1] - bare.window[0])
    return (f"| {name} | {_bare_rate(bare):.1f} | {_ms(percentile(latencies, 50))} | "
            f"{_ms(percentile(latencies, 95))} | {_cpu_ms(_bare_cpu(bare))} | {others:.2f} |")


def _pace(paced: bool) -> str:
    return "thinking" if paced else "no pauses"


def report(results: LoadResults, rasa: RasaEndpoint, seconds: float,
           degraded_texts: frozenset[str]) -> str:
    """Markdown: the tables, whether the targets hold, then what each figure includes."""
    figures = [LevelFigures.of(level, degraded_texts) for level in results.levels]
    lines = [
        "### Load: the bot end to end through the Telegram emulator",
        "",
        f"`python -m bot run` in its own process (polling, SQLite file, Rasa {rasa.model}; "
        f"TELEGRAM_MESSAGES_PER_SECOND={MESSAGES_PER_SECOND}, i.e. no overall send limit: the "
        "emulator is not Telegram, whose default limit of 30 would cap every figure at 30/s). "
        "Users are onboarded first, then each asks the guides' example questions in its "
        f"language (the nine in turn), waits for the answer and thinks {THINK[0]:g}–{THINK[1]:g}"
        f" s; {seconds:.0f} s measured per level after a {RAMP:.0f} s ramp.",
        "",
        "| bot | users | pace | answered/s | p50 | p95 | p99 | lost | duplicated | degraded "
        "| repeated texts | other load |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        lines.append(f"| {f.label} | {f.users} | {_pace(f.paced)} | {f.rate:.1f} | "
                     f"{_ms(f.p50)} | {_ms(f.p95)} | {_ms(f.p99)} | {f.lost} | {f.duplicated} "
                     f"| {f.degraded} | {f.repeated:.0%} | {f.others:.2f} |")
    lines += ["", "| bot | users | pace | CPU per answer: bot | Rasa | bot + Rasa | Rasa alone, "
              "per parse | cost ratio |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for f in figures:
        bot_cpu, rasa_cpu = f.cpu["bot"], f.cpu.get("rasa")
        both = bot_cpu + rasa_cpu if rasa_cpu is not None else None
        bare = results.bare.get((f.users, f.paced))
        ratio = f.ratio(bare)
        lines.append(f"| {f.label} | {f.users} | {_pace(f.paced)} | {_cpu_ms(bot_cpu)} | "
                     f"{_cpu_ms(rasa_cpu)} | {_cpu_ms(both)} | {_cpu_ms(_bare_cpu(bare))} | "
                     f"{'n/a' if ratio is None else f'{ratio:.2f}x'} |")
    lines += ["", "| Rasa alone, /model/parse | parses/s | p50 | p95 | CPU per parse "
              "| other load |", "| --- | --- | --- | --- | --- | --- |"]
    for (users, paced), bare in sorted(results.bare.items()):
        lines.append(_bare_row(f"{users} clients, same questions, {_pace(paced)}", bare))
    if results.ceiling is not None:
        lines.append(_bare_row(f"{CEILING_CLIENTS} clients without pauses (its ceiling)",
                               results.ceiling))
    lines += ["", "| peak RSS (VmHWM) | MiB |", "| --- | --- |"]
    lines += [f"| bot process ({label}) | {rss:.0f} |"
              for label, rss in results.bot_rss.items()]
    rasa_rss = "n/a" if results.rasa_rss is None else f"{results.rasa_rss:.0f}"
    lines += [f"| Rasa server | {rasa_rss} |", "", *_verdicts(figures, results),
              "", _explanation(figures)]
    return "\n".join(lines) + "\n"


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


BUSY = 0.25  # cores other processes may use before the figures are called into doubt


def _verdicts(figures: list[LevelFigures], results: LoadResults) -> list[str]:
    lines = []
    bare = [*results.bare.values(), *([results.ceiling] if results.ceiling else [])]
    busiest = max([f.others for f in figures] +
                  [b.others / (b.window[1] - b.window[0]) for b in bare])
    if busiest > BUSY:
        lines.append(f"**Other processes kept up to {busiest:.2f} of the {os.cpu_count()} cores "
                     "busy while this ran: measure again on a quiet machine.**")
    for f in figures:
        if f.users != TARGET_USERS or not f.paced:
            continue
        ratio = f.ratio(results.bare.get((f.users, f.paced)))
        checks = [
            (f"≥ {TARGET_RATE:.0f} answered/s", f.rate >= TARGET_RATE),
            (f"p95 ≤ {TARGET_P95 * 1000:.0f} ms", f.p95 <= TARGET_P95),
            ("0 lost or duplicated", f.lost == 0 and f.duplicated == 0),
            (f"CPU cost ratio ≤ {TARGET_RATIO:g}x", ratio is not None and ratio <= TARGET_RATIO),
        ]
        marks = ", ".join(f"{name} {_met(ok)}" for name, ok in checks)
        lines.append(f"Targets at {f.users} thinking users, bot with {f.label}: {marks}.")
    unpaced = [f for f in figures if not f.paced]
    alone = [bare for (_, paced), bare in results.bare.items() if not paced]
    alone += [results.ceiling] if results.ceiling is not None else []
    if unpaced and alone:
        bot, best = unpaced[-1], max(alone, key=_bare_rate)
        ratio = _bare_rate(best) / bot.rate if bot.rate else math.inf
        same = results.bare.get((bot.users, False))
        alike = (f" (Rasa alone with the same {bot.users} clients: {_bare_rate(same):.1f}/s)"
                 if same is not None and same is not best else "")
        lines.append(
            f"Capacity: with {bot.users} users who do not pause, the bot ({bot.label}) answers "
            f"{bot.rate:.1f}/s; Rasa alone parses at most {_bare_rate(best):.1f}/s, with "
            f"{best.clients} clients{alike}: capacity ratio {ratio:.2f}x, "
            f"≤ {TARGET_RATIO:g}x {_met(ratio <= TARGET_RATIO)}.")
    return lines


def _explanation(figures: list[LevelFigures]) -> str:
    top = max(figures, key=lambda f: (f.users, f.label == "defaults"))
    others = ", ".join(f"{name} {cpu * 1000:.1f} ms" for name, cpu in top.cpu.items()
                       if name not in ("bot", "rasa"))
    return (
        "What the figures include. *answered/s*: questions sent in the measured window that "
        "got an answer, per second. *Latency*: from the moment the user's message left the "
        "user to the moment the emulator recorded the first message of the answer (getUpdates, "
        "storing the update, language detection, the parse, the answer's sendMessage). *Lost*: "
        f"no answer within {ANSWER_TIMEOUT:.0f} s; *duplicated*: a second answer to the same "
        "question (every answer ends with a message carrying the menu button); *degraded*: "
        "answers from the phrase search because Rasa failed. "
        "*Repeated texts*: questions whose exact text an earlier question to the same bot "
        "process had (the parse cache answers those without Rasa; real traffic repeats short, "
        "common questions too, but how much is not known). *CPU per answer*: CPU time (user + "
        "system, from /proc) of the bot process and of the Rasa server in the window, divided "
        "by the questions answered in it; *Rasa alone*: the Rasa server's CPU per parse when "
        "the same users send the same questions at the same pace straight to /model/parse; the "
        "*cost ratio* is (bot + Rasa) ÷ Rasa alone. Not in it, since they stand in for "
        f"Telegram and its users: the emulator and the load generator ({others} per answer at "
        f"{top.users} users). *Other load*: cores that other processes of the machine kept "
        "busy meanwhile (this machine has "
        f"{os.cpu_count()}); figures taken while it is high say more about them than about the bot."
    )
