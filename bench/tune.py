"""`python -m bench.tune`: choose the router's thresholds on the dev set (nlu/dev/dev.jsonl).

The held-out set stays untouched for reporting; the dev set is parsed once through the real
Rasa server, then every threshold combination is replayed on the stored parses. The winner is
the most accurate combination whose safety-route recall is at least 98%.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
from pathlib import Path

from bot.app import PROJECT, build_services, nlu_client
from bot.settings import load_settings
from nlu.parse import Parse
from nlu.router import SAFETY_ROUTES, Thresholds, decide

DEV = PROJECT / "nlu" / "dev" / "dev.jsonl"
GRID = {
    "confident": [0.35, 0.45, 0.55, 0.65],
    "margin": [0.0, 0.1, 0.2],
    "safety": [0.1, 0.15, 0.2, 0.3],
    "safety_margin": [0.3, 0.45, 0.6],
    "out_of_scope": [0.3, 0.45, 0.6],
    "out_of_scope_share": [0.5, 0.7, 1.01],
}


def score(items: list[tuple[str, Parse]], thresholds: Thresholds) -> tuple[float, float]:
    right = safety_right = safety_total = 0
    for expected, parse in items:
        got = decide(parse, thresholds).route
        right += got == expected
        if expected in SAFETY_ROUTES:
            safety_total += 1
            safety_right += got == expected
    return right / len(items), safety_right / max(safety_total, 1)


async def collect(path: Path) -> list[tuple[str, Parse]]:
    settings = load_settings(database_url="sqlite:///:memory:")
    async with nlu_client(settings) as nlu:
        pipeline = build_services(settings, nlu).pipeline
        content = pipeline.content.current
        items = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                items.append((item["route"], await pipeline.understand(item["text"], content)))
        return items


def main() -> None:
    items = asyncio.run(collect(DEV))
    names = list(GRID)
    scored = []
    for values in itertools.product(*(GRID[name] for name in names)):
        thresholds = Thresholds(**dict(zip(names, values, strict=True)))
        scored.append((*score(items, thresholds), thresholds))
    default_accuracy, default_safety = score(items, Thresholds())
    print(f"dev set: {len(items)} messages; current defaults: accuracy {default_accuracy:.3f}, "
          f"safety recall {default_safety:.3f}")
    top_safety = max(safety for _, safety, _ in scored)
    # Safety first: among the combinations with the best reachable safety recall (98% is the
    # goal), the most accurate one.
    floor = min(0.98, top_safety)
    accuracy, safety, best = max((s for s in scored if s[1] >= floor), key=lambda s: s[0])
    print(f"best safety recall reachable: {top_safety:.3f}")
    print(f"chosen: accuracy {accuracy:.3f}, safety recall {safety:.3f} with "
          f"{dataclasses.asdict(best)}")


if __name__ == "__main__":
    main()
