"""`python -m bot ask --jsonl`: questions in, routing decisions out, through the real pipeline."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.pipeline import Incoming, Pipeline


async def ask_jsonl(pipeline: Pipeline, source: TextIO = sys.stdin,
                    sink: TextIO = sys.stdout) -> int:
    """Answer each `{"text", "lang"?}` line with `{"route", "entry", "confidence", "lang",
    "reply"}`; a bad line gets `{"error": ...}` and the run goes on. Returns the count."""
    count = 0
    for raw in source:
        line = raw.strip()
        if not line:
            continue
        try:
            question = json.loads(line)
            text = str(question["text"])
            lang = question.get("lang")
        except (ValueError, KeyError, TypeError) as error:
            sink.write(json.dumps({"error": f"bad input line: {error}"}) + "\n")
            continue
        outcome = await pipeline.handle(Incoming(text=text, lang=lang))
        sink.write(json.dumps({
            "route": outcome.route, "entry": outcome.entry, "confidence": outcome.confidence,
            "lang": outcome.lang, "reply": outcome.reply_text(), "status": outcome.status,
        }, ensure_ascii=False) + "\n")
        sink.flush()
        count += 1
    return count
