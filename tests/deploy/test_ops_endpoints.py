"""/healthz and /metrics in process (the Starlette app over httpx, no sockets): what each says
when the database, Rasa or the content fails, and what the pipeline counts."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from bot.app import Services, build_services, nlu_client
from bot.metrics import METRICS, Metrics, error_kind
from bot.ops import open_tickets, ops_routes
from bot.pipeline import Incoming, Pipeline
from bot.settings import load_settings
from guides.store import ContentStore
from nlu.client import RasaClient
from nlu.server import LocalRasaServer, free_port
from storage import Database
from storage.tickets import claim, open_ticket
from tests.deploy.conftest import sample

pytestmark = pytest.mark.rasa
QUESTION = "how do I buy a bus ticket"


@pytest.fixture(scope="module")
async def services(rasa_server: LocalRasaServer,
                   tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Services]:
    """The bot's services on the real content, the session's Rasa server and SQLite."""
    folder = tmp_path_factory.mktemp("ops")
    settings = load_settings(rasa_url=rasa_server.url, rasa_token=rasa_server.secret,
                             rasa_timeout=15.0, database_url=f"sqlite:///{folder}/arrival.db",
                             var_dir=folder / "var", user_key_secret="ops-test")
    async with nlu_client(settings) as nlu:
        built = build_services(settings, nlu)
        yield built
        built.db.dispose()


@pytest.fixture
async def without_rasa(services: Services) -> AsyncIterator[Services]:
    """The same services, with Rasa unreachable."""
    nlu = RasaClient(f"http://127.0.0.1:{free_port()}", "a-jwt-secret-of-32-bytes-or-more!")
    yield replace(services, pipeline=Pipeline(services.content, nlu, "en"))
    await nlu.aclose()


def client(services: Services, metrics: Metrics = METRICS) -> httpx.AsyncClient:
    """An HTTP client for the ops routes, in memory."""
    app = Starlette(routes=ops_routes(services, metrics))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot")


async def test_healthz_is_ok_when_everything_answers(services: Services) -> None:
    async with client(services) as http:
        response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "rasa": True, "content": True}
    assert response.headers["cache-control"] == "no-store"


async def test_healthz_is_down_without_the_database(services: Services) -> None:
    dead = Database(f"postgresql+psycopg://arrival:pw@127.0.0.1:{free_port()}/arrival")
    async with client(replace(services, db=dead)) as http:
        response = await http.get("/healthz")
        metrics = (await http.get("/metrics")).text
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": False, "rasa": True,
                               "content": True}
    assert "pw@" not in response.text and "127.0.0.1" not in response.text
    assert "\narrival_handoff_queue_length NaN\n" in metrics  # unknown, not a stale number
    dead.dispose()


async def test_a_rejected_content_edit_makes_the_bot_degraded(services: Services,
                                                              content_copy: Path) -> None:
    store = ContentStore(content_copy)
    guide = next(content_copy.glob("*/guides/*.yml"))
    guide.write_text(guide.read_text() + "\n  - this: [is not valid\n")
    assert store.reload_if_changed() is False
    async with client(replace(services, content=store)) as http:
        response = await http.get("/healthz")
        metrics = (await http.get("/metrics")).text
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": True, "rasa": True,
                               "content": False}
    assert sample(metrics, "arrival_content_reload_ok") == 0.0


async def test_each_answer_and_each_rasa_call_is_counted(services: Services) -> None:
    labels = {"route": "transport.tickets", "lang": "en", "status": "answered"}
    registry = METRICS.registry
    answered = registry.get_sample_value("arrival_messages_total", labels) or 0.0
    timed = registry.get_sample_value("arrival_nlu_latency_seconds_count", {"result": "ok"}) or 0
    fallbacks = registry.get_sample_value("arrival_nlu_fallback_total") or 0.0
    outcome = await services.pipeline.handle(Incoming(QUESTION, lang="en"))
    assert (outcome.route, outcome.status) == ("transport.tickets", "answered")
    assert registry.get_sample_value("arrival_messages_total", labels) == answered + 1
    assert registry.get_sample_value("arrival_nlu_latency_seconds_count",
                                     {"result": "ok"}) == timed + 1
    assert registry.get_sample_value("arrival_nlu_fallback_total") == fallbacks


async def test_rasa_down_is_counted_as_fallback_and_error(without_rasa: Services) -> None:
    registry = METRICS.registry
    fallbacks = registry.get_sample_value("arrival_nlu_fallback_total") or 0.0
    errors = registry.get_sample_value("arrival_errors_total", {"kind": "nlu"}) or 0.0
    failed = registry.get_sample_value("arrival_nlu_latency_seconds_count",
                                       {"result": "error"}) or 0.0
    outcome = await without_rasa.pipeline.handle(Incoming(QUESTION, lang="en"))
    assert outcome.status in ("degraded", "clarify")
    assert registry.get_sample_value("arrival_nlu_fallback_total") == fallbacks + 1
    assert registry.get_sample_value("arrival_errors_total", {"kind": "nlu"}) == errors + 1
    assert registry.get_sample_value("arrival_nlu_latency_seconds_count",
                                     {"result": "error"}) == failed + 1
    async with client(without_rasa) as http:
        health = await http.get("/healthz")
        metrics = (await http.get("/metrics")).text
    assert health.status_code == 503 and health.json()["rasa"] is False
    assert sample(metrics, "arrival_nlu_degraded") == 1.0
    assert sample(metrics, "arrival_messages_total", route=outcome.route, lang="en",
                  status=outcome.status) is not None


async def test_the_handoff_queue_counts_open_tickets_only(services: Services) -> None:
    db = services.db
    before = open_tickets(db) or 0
    first = open_ticket(db, "user-a", 1, "en", "berlin", "housing.search")
    open_ticket(db, "user-b", 2, "uk", "berlin", "health.doctor")
    open_ticket(db, "user-c", 3, "ar", "berlin", "emergency", urgent=True)
    claim(db, first.id)
    async with client(services) as http:
        metrics = (await http.get("/metrics")).text
    assert sample(metrics, "arrival_handoff_queue_length") == before + 2


def test_the_handoff_queue_is_zero_before_the_tickets_table_exists(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/empty.db")  # not migrated: no tickets table
    try:
        assert open_tickets(db) == 0
    finally:
        db.dispose()
    unreachable = Database(f"postgresql+psycopg://a:b@127.0.0.1:{free_port()}/x")
    assert open_tickets(unreachable) is None
    unreachable.dispose()


def test_error_log_lines_are_counted_by_where_they_come_from() -> None:
    metrics = Metrics()
    logger = logging.getLogger("arrival.test.errors")
    logger.propagate = False
    metrics.count_error_logs(logger)
    metrics.count_error_logs(logger)  # idempotent: one handler
    logger.error("boom")
    logger.warning("not an error")
    assert metrics.registry.get_sample_value("arrival_errors_total", {"kind": "other"}) == 1
    assert [error_kind(name) for name in ("bot.telegram.handlers", "telegram.ext.Updater",
                                          "guides.store", "storage.db", "nlu.client",
                                          "uvicorn.error", "bot.pipeline", "root")] == [
        "handler", "telegram", "content", "storage", "nlu", "http", "other", "other"]


async def test_metrics_labels_never_carry_message_text(services: Services) -> None:
    await services.pipeline.handle(Incoming("my secret question about qwertyuiop", lang="en"))
    async with client(services) as http:
        metrics = (await http.get("/metrics")).text
    assert "qwertyuiop" not in metrics and services.settings.rasa_token is not None
    assert services.settings.rasa_token.get_secret_value() not in metrics
