"""The same questions sent straight to Rasa's `POST /model/parse`: what the NLU alone costs.

Users behave as in the bot's run (closed loop, same thinking time, same questions), each with
a connection of its own, so the two runs differ only in what answers them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import jwt


@dataclass(frozen=True)
class Parsed:
    sent_at: float  # Unix seconds
    latency: float  # seconds until Rasa's answer was read


def _token(secret: str) -> str:
    payload = {"user": {"username": "arrival-bench", "role": "admin"},
               "exp": int(time.time()) + 3600}
    return jwt.encode(payload, secret, algorithm="HS256")


async def _converse(http: httpx.AsyncClient, questions: Iterator[str], until: float,
                    think: tuple[float, float], ramp: float, seed: int) -> list[Parsed]:
    rng = random.Random(seed)
    parsed: list[Parsed] = []
    await asyncio.sleep(rng.uniform(0, ramp))
    while time.monotonic() < until:
        sent_at, began = time.time(), time.perf_counter()
        response = await http.post("/model/parse", json={"text": next(questions)})
        response.raise_for_status()
        response.json()
        parsed.append(Parsed(sent_at, time.perf_counter() - began))
        if think[1] > 0:
            await asyncio.sleep(rng.uniform(*think))
    return parsed


async def parse_load(url: str, secret: str, streams: list[Iterator[str]], seconds: float,
                     think: tuple[float, float], ramp: float) -> list[Parsed]:
    """One closed-loop client per stream of questions for `ramp + seconds`; every parse."""
    limits = httpx.Limits(max_connections=len(streams), max_keepalive_connections=len(streams))
    headers = {"Authorization": f"Bearer {_token(secret)}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30.0,
                                 trust_env=False) as http:
        until = time.monotonic() + ramp + seconds
        runs = await asyncio.gather(*(_converse(http, questions, until, think, ramp, seed)
                                      for seed, questions in enumerate(streams)))
    return [parsed for run in runs for parsed in run]
