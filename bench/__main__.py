"""`python -m bench [--nlu-only] [--show-mistakes]`: run the benchmarks, print, write results."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform

from bench.nlu_quality import evaluate, mistakes, report
from bot.app import PROJECT, build_services, nlu_client, resolve
from bot.settings import load_settings
from nlu.training import latest_model

RESULTS = PROJECT / "bench" / "results.md"


async def main(show_mistakes: bool) -> None:
    settings = load_settings(database_url="sqlite:///:memory:")
    model = latest_model(resolve(settings, settings.models_dir))
    stats = model.with_suffix("").with_suffix(".json") if model else None
    training = json.loads(stats.read_text())["seconds"] if stats and stats.exists() else None
    async with nlu_client(settings) as nlu:
        services = build_services(settings, nlu)
        await services.pipeline.handle(__import__("bot.pipeline").pipeline.Incoming("warm up"))
        results = await evaluate(services.pipeline)
    sections = [report(results, training)]
    header = (f"# Arrival benchmarks\n\n{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on "
              f"{platform.node()} ({platform.processor() or platform.machine()}, "
              f"{os.cpu_count()} cores), model {model.name if model else 'none'}\n\n")
    text = header + "\n".join(sections)
    print(text)
    if show_mistakes:
        for r in mistakes(results):
            print(f"  [{r.lang}] {r.expected:>26} -> {r.got:<26} {r.status:8} {r.text}")
    RESULTS.write_text(text, encoding="utf-8")
    print(f"Written to {RESULTS.relative_to(PROJECT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--show-mistakes", action="store_true")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.show_mistakes))
