"""`python -m bench [--nlu-only | --load-only] [--show-mistakes]`: run the benchmarks, print
them, and write bench/results.md. A partial run replaces only its own section of the file."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench.load import SECONDS, RasaEndpoint, run_load
from bench.load_report import report as load_report
from bench.nlu_quality import evaluate, mistakes, report
from bot.app import PROJECT, build_services, nlu_client, rasa_bin, resolve
from bot.pipeline import Incoming
from bot.settings import Settings, load_settings
from guides.store import ContentStore
from nlu.server import LocalRasaServer
from nlu.training import latest_model

RESULTS = PROJECT / "bench" / "results.md"
TITLE = "# Arrival benchmarks\n"
SECTIONS = ("nlu", "load")
_MARK = "<!-- section: {} -->"


@asynccontextmanager
async def rasa_endpoint(settings: Settings, model: Path | None) -> AsyncIterator[RasaEndpoint]:
    """RASA_URL if set, else one local Rasa server for every section (its pid is measured)."""
    name = model.name if model else "unknown"
    if settings.rasa_url:
        token = settings.rasa_token.get_secret_value() if settings.rasa_token else ""
        yield RasaEndpoint(settings.rasa_url, token, None, name)
        return
    if model is None:
        raise SystemExit("No trained NLU model found: run `make train` first")
    server = LocalRasaServer(rasa_bin(settings), model,
                             log_file=resolve(settings, settings.var_dir) / "rasa-bench.log")
    print("Starting Rasa…", flush=True)
    await asyncio.to_thread(server.start)
    try:
        assert server.pid is not None
        yield RasaEndpoint(server.url, server.secret, server.pid, name)
    finally:
        await asyncio.to_thread(server.stop)


def _stamp(model: Path | None) -> str:
    return (f"_{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
            f"({platform.processor() or platform.machine()}, {os.cpu_count()} cores), model "
            f"{model.name if model else 'none'}_\n\n")


async def nlu_section(settings: Settings, model: Path | None, show_mistakes: bool) -> str:
    stats = model.with_suffix("").with_suffix(".json") if model else None
    training = json.loads(stats.read_text())["seconds"] if stats and stats.exists() else None
    async with nlu_client(settings) as nlu:
        services = build_services(settings, nlu)
        await services.pipeline.handle(Incoming("warm up"))
        results = await evaluate(services.pipeline)
    if show_mistakes:
        for r in mistakes(results):
            print(f"  [{r.lang}] {r.expected:>26} -> {r.got:<26} {r.status:8} {r.text}")
    return report(results, training)


def _sections(text: str) -> dict[str, str]:
    """The sections of an earlier results.md; one from before the section marks held only
    the NLU figures."""
    found: dict[str, str] = {}
    marks = list(re.finditer(r"<!-- section: (\w+) -->\n", text))
    if not marks:
        legacy = text.startswith(TITLE)
        return {"nlu": text.removeprefix(TITLE).strip("\n") + "\n"} if legacy else {}
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following else len(text)
        found[mark.group(1)] = text[mark.end():end].rstrip("\n") + "\n"
    return found


def compose(new: dict[str, str], earlier: str) -> str:
    """The results file: the sections just measured, and the others as they were."""
    sections = _sections(earlier) | new
    parts = [TITLE] + [f"\n{_MARK.format(name)}\n{sections[name]}" for name in SECTIONS
                       if name in sections]
    return "".join(parts)


async def main(arguments: argparse.Namespace) -> None:
    settings = load_settings(database_url="sqlite:///:memory:")
    model = latest_model(resolve(settings, settings.models_dir))
    new: dict[str, str] = {}
    async with rasa_endpoint(settings, model) as rasa:
        if not arguments.load_only:
            print("NLU quality…", flush=True)
            nlu_settings = load_settings(database_url="sqlite:///:memory:", rasa_url=rasa.url,
                                         rasa_token=rasa.secret)
            new["nlu"] = _stamp(model) + await nlu_section(nlu_settings, model,
                                                           arguments.show_mistakes)
        if not arguments.nlu_only:
            content = ContentStore(resolve(settings, settings.content_dir)).current
            results = await run_load(rasa, content, SECONDS)
            degraded = frozenset(content.text(lang, "notice.degraded") for lang in content.ui)
            new["load"] = _stamp(model) + load_report(results, rasa, SECONDS, degraded)
    earlier = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    text = compose(new, earlier)
    print(text)
    RESULTS.write_text(text, encoding="utf-8")
    print(f"Written to {RESULTS.relative_to(PROJECT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--nlu-only", action="store_true", help="routing quality only")
    only.add_argument("--load-only", action="store_true", help="the load benchmark only")
    parser.add_argument("--show-mistakes", action="store_true")
    asyncio.run(main(parser.parse_args()))
