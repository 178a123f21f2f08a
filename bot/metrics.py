"""Prometheus metrics of one bot process, served by `GET /metrics` (see `bot.ops`).

Counters move where things happen (the pipeline counts each answer and times each Rasa call);
gauges that describe state (handoff queue, content reload, degraded mode) are read when scraped.
Labels only take values from closed sets (routes of the taxonomy, the nine languages, a few
statuses and error kinds): never message text, user keys or anything secret.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)

from actions import Outcome

CONTENT_TYPE = CONTENT_TYPE_LATEST
disable_created_metrics()  # type: ignore[no-untyped-call]  # no `*_created` twin per counter
# Rasa answers in ~10 ms when idle and ~100 ms at 10 in flight; the client gives up at 3 s.
NLU_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Error log lines are counted by where they come from: the first matching logger prefix.
ERROR_KINDS = (
    ("bot.telegram", "handler"),
    ("telegram", "telegram"),
    ("guides", "content"),
    ("storage", "storage"),
    ("nlu", "nlu"),
    ("uvicorn", "http"),
)


def error_kind(logger_name: str) -> str:
    """The `kind` label for an error logged by `logger_name` (a closed set)."""
    for prefix, kind in ERROR_KINDS:
        if logger_name == prefix or logger_name.startswith(prefix + "."):
            return kind
    return "other"


class _ErrorLogCounter(logging.Handler):
    """Counts every ERROR log line: each failure path in the bot logs one (STYLE: errors are
    data), so this covers handler crashes and rejected content edits without extra calls."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(level=logging.ERROR)
        self.metrics = metrics

    def emit(self, record: logging.LogRecord) -> None:
        self.metrics.errors.labels(error_kind(record.name)).inc()


class Metrics:
    """Every metric the bot exports, in a registry of its own (no global default registry)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.messages = Counter(
            "arrival_messages", "Free-text messages answered, by route, language and status "
            "(answered, clarify, degraded, blocked).", ["route", "lang", "status"],
            registry=registry)
        self.nlu_latency = Histogram(
            "arrival_nlu_latency_seconds", "Time of one Rasa parse call, by result (ok, error).",
            ["result"], buckets=NLU_BUCKETS, registry=registry)
        self.nlu_cache_hits = Counter(
            "arrival_nlu_cache_hits", "Messages whose text was parsed by Rasa shortly before: "
            "its parse was reused (RASA_CACHE_SIZE).", registry=registry)
        self.nlu_fallback = Counter(
            "arrival_nlu_fallback", "Messages understood by the phrase search because Rasa "
            "was down or slow (degraded mode).", registry=registry)
        self.nlu_degraded = Gauge(
            "arrival_nlu_degraded", "1 while the bot answers without Rasa, else 0.",
            registry=registry)
        self.errors = Counter(
            "arrival_errors", "Errors by kind: nlu (Rasa unreachable), handler, telegram, "
            "content, storage, http, other.", ["kind"], registry=registry)
        self.handoff_queue = Gauge(
            "arrival_handoff_queue_length", "Handoff tickets waiting for a caseworker (open).",
            registry=registry)
        self.flood_held = Counter(
            "arrival_flood_held", "Messages not answered because their sender was over the "
            "per-person rate limit (FLOOD_BURST, FLOOD_REFILL_SECONDS).", registry=registry)
        self.content_reload_ok = Gauge(
            "arrival_content_reload_ok", "1 when the last content reload succeeded, 0 when an "
            "edit was rejected (the last good content stays live).", registry=registry)
        ProcessCollector(namespace="arrival", registry=registry)
        self._log_counter: _ErrorLogCounter | None = None

    def count_outcome(self, outcome: Outcome) -> None:
        """One answered message."""
        self.messages.labels(outcome.route, outcome.lang, outcome.status).inc()

    @contextmanager
    def time_nlu(self) -> Iterator[None]:
        """Time a Rasa call; a call that raises is counted as an error of kind `nlu`."""
        started = time.perf_counter()
        try:
            yield
        except Exception:
            self.nlu_latency.labels("error").observe(time.perf_counter() - started)
            self.errors.labels("nlu").inc()
            raise
        self.nlu_latency.labels("ok").observe(time.perf_counter() - started)

    def count_error_logs(self, logger: logging.Logger | None = None) -> None:
        """Count ERROR log lines of `logger` (the root logger by default) from now on."""
        target = logger or logging.getLogger()
        if self._log_counter is None:
            self._log_counter = _ErrorLogCounter(self)
        if self._log_counter not in target.handlers:
            target.addHandler(self._log_counter)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


METRICS = Metrics()
"""The process's metrics: one bot process, one set of counters (Prometheus' own idiom)."""
