"""`python -m bot content check` and `content schema`: the editors' tools."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from guides.content import Content
from guides.issues import ContentError
from guides.loader import load_content
from guides.models import LANGUAGES, City, GuideFile, ServiceFile

SCHEMAS: dict[str, type[BaseModel]] = {"guide": GuideFile, "services": ServiceFile,
                                        "city": City}


def coverage(content: Content) -> dict[str, dict[str, int]]:
    """Per language and topic: how many entries have a title and an answer in that language."""
    table: dict[str, dict[str, int]] = {lang: {} for lang in LANGUAGES}
    for topic in content.taxonomy.topics:
        for lang in LANGUAGES:
            table[lang][topic] = sum(
                1 for pack in content.cities.values() for entry in pack.entries_for(topic)
                if lang in entry.answer and lang in entry.title)
    return table


def check_command(root: Path, as_json: bool, stale_after_days: int) -> int:
    try:
        content, issues = load_content(root, stale_after_days=stale_after_days, strict=False)
    except ContentError as error:  # the folder itself is unusable
        content, issues = None, error.issues
    errors = [issue for issue in issues if issue.severity == "error"]
    warnings = [issue for issue in issues if issue.severity == "warning"]
    table = coverage(content) if content else {}
    if as_json:
        print(json.dumps({"errors": [str(i) for i in errors],
                          "warnings": [str(i) for i in warnings],
                          "coverage": table}, ensure_ascii=False, indent=1))
    else:
        for issue in [*errors, *warnings]:
            print(issue)
        if table:
            print(_coverage_table(table))
        print(f"{len(errors)} error(s), {len(warnings)} warning(s)")
    return 1 if errors else 0


def _coverage_table(table: dict[str, dict[str, int]]) -> str:
    topics = list(next(iter(table.values())).keys())
    width = max(len(topic) for topic in topics)
    lines = ["", "Entries per topic and language:",
             " " * width + "  " + " ".join(f"{lang:>3}" for lang in table)]
    for topic in topics:
        cells = " ".join(f"{table[lang][topic]:>3}" for lang in table)
        flag = "" if all(table[lang][topic] >= 2 for lang in table) else "  <- fewer than 2"
        lines.append(f"{topic:<{width}}  {cells}{flag}")
    return "\n".join(lines)


def schema_documents() -> dict[str, str]:
    """The JSON Schemas editors' editors use, as committed text."""
    documents = {name: json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
                 for name, model in SCHEMAS.items()}
    ui = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "UI strings",
          "type": "object", "additionalProperties": {"type": "string"}}
    documents["ui"] = json.dumps(ui, indent=2) + "\n"
    return documents


def write_schemas(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in schema_documents().items():
        (folder / f"{name}.schema.json").write_text(text, encoding="utf-8")
