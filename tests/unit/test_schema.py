"""The JSON Schemas editors' editors use are generated from the models and kept up to date."""

from __future__ import annotations

from bot.app import PROJECT
from guides.check import schema_documents


def test_committed_schemas_match_the_models() -> None:
    folder = PROJECT / "content" / "schema"
    for name, text in schema_documents().items():
        committed = (folder / f"{name}.schema.json").read_text(encoding="utf-8")
        assert committed == text, (f"content/schema/{name}.schema.json is out of date: run "
                                   "`.venv/bin/python -m bot content schema`")


def test_every_content_file_points_at_its_schema() -> None:
    content = PROJECT / "content"
    expected = {"guides": "../../schema/guide.schema.json", "ui": "../schema/ui.schema.json"}
    for path in sorted(content.rglob("*.yml")):
        if path.name == "taxonomy.yml":
            continue
        first = path.read_text(encoding="utf-8").splitlines()[0]
        schema = expected.get(path.parent.name) or f"../schema/{path.stem}.schema.json"
        assert first == f"# yaml-language-server: $schema={schema}", path
