"""Operations endpoints for the webhook app: `GET /healthz` and `GET /metrics`, served beside
the webhook path (`bot.telegram.runner` passes them on):

    await serve_webhook(application, settings, stop, ops_routes(services))

`/healthz` answers 200 only when the database, Rasa and the content are all fine, else 503 with
which part is not (booleans only: never a URL, a token or an error text). `/metrics` is the
Prometheus text format of `bot.metrics`, with the state gauges read at scrape time.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable
from typing import Literal

from sqlalchemy import inspect, text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.app import Services
from bot.metrics import CONTENT_TYPE, METRICS, Metrics
from storage import Database

logger = logging.getLogger(__name__)
CHECK_TIMEOUT = 3.0  # seconds per dependency: a health check must answer before its caller gives up

Status = Literal["ok", "degraded", "down"]


def database_ok(db: Database) -> bool:
    """The database answers a trivial query (blocking: call it in a thread)."""
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return True
    except Exception as error:
        logger.warning("Health check: the database is unreachable (%s)", type(error).__name__)
        return False


def open_tickets(db: Database) -> int | None:
    """Handoff tickets waiting for a caseworker; 0 before the tickets table exists, None when
    the database cannot be read (blocking: call it in a thread)."""
    try:
        with db.engine.connect() as connection:
            if not inspect(connection).has_table("tickets"):
                return 0
            count = connection.execute(
                text("SELECT count(*) FROM tickets WHERE status = 'open'")).scalar_one()
            return int(count)
    except Exception as error:
        logger.warning("Metrics: cannot count open tickets (%s)", type(error).__name__)
        return None


async def _within_time(check: Awaitable[bool]) -> bool:
    try:
        return await asyncio.wait_for(check, CHECK_TIMEOUT)
    except TimeoutError:
        return False


async def health(services: Services) -> dict[str, bool | Status]:
    """Each dependency's state and the overall status: `down` without a database (nothing can
    be stored), `degraded` when only Rasa or the last content reload failed (the bot still
    answers, with the phrase search or the last good content)."""
    nlu = services.pipeline.nlu
    database, rasa = await asyncio.gather(
        _within_time(asyncio.to_thread(database_ok, services.db)),
        _within_time(nlu.healthy()) if nlu is not None else _false(),
    )
    content = services.content.last_reload_ok
    status: Status = "down" if not database else "ok" if rasa and content else "degraded"
    return {"status": status, "database": database, "rasa": rasa, "content": content}


async def _false() -> bool:
    return False


def ops_routes(services: Services, metrics: Metrics = METRICS) -> list[Route]:
    """The `/healthz` and `/metrics` routes; from now on ERROR log lines are counted too."""
    metrics.count_error_logs()

    async def healthz(request: Request) -> Response:
        report = await health(services)
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503,
                            headers={"Cache-Control": "no-store"})

    async def metrics_endpoint(request: Request) -> Response:
        queue = await asyncio.to_thread(open_tickets, services.db)
        metrics.handoff_queue.set(math.nan if queue is None else queue)
        metrics.content_reload_ok.set(1 if services.content.last_reload_ok else 0)
        metrics.nlu_degraded.set(1 if services.pipeline.degraded else 0)
        return Response(metrics.render(), media_type=CONTENT_TYPE,
                        headers={"Cache-Control": "no-store"})

    return [Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"])]
