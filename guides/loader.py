"""Load and validate content/ into a `Content` snapshot, collecting every problem with its place.

Layout: content/taxonomy.yml, content/ui/<lang>.yml, content/<city>/city.yml,
content/<city>/services.yml and content/<city>/guides/*.yml.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from guides.content import CityPack, Content, Taxonomy
from guides.issues import ContentError, ContentIssue
from guides.models import (
    LANGUAGES,
    MAX_ANSWER_CHARS,
    City,
    Entry,
    Service,
)
from guides.yamlsafe import YamlProblem, locate, read_yaml

Model = TypeVar("Model", bound=BaseModel)
RESERVED_IDS = frozenset({"handoff", "greet", "thanks", "goodbye", "language_change",
                          "out_of_scope"})
MIN_QUESTIONS = 5


class _Collector:
    """Gathers issues while loading so one run reports every problem, not just the first."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.issues: list[ContentIssue] = []
        self.digest = hashlib.sha256()
        self.files: list[str] = []

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def add(self, path: Path, where: tuple[int, int], message: str, warning: bool = False) -> None:
        self.issues.append(ContentIssue(self.rel(path), where[0], where[1], message,
                                        "warning" if warning else "error"))

    def read(self, path: Path) -> tuple[Any, yaml.Node | None] | None:
        self.files.append(self.rel(path))
        try:
            data = read_yaml(path)  # refuses oversized files before reading them
            self.digest.update(path.read_bytes())
            return data
        except YamlProblem as problem:
            self.add(path, (problem.line, problem.column), problem.message)
        except OSError as error:
            self.add(path, (1, 1), f"cannot read file: {error.strerror}")
        return None

    def validate(self, path: Path, model: type[Model], data: Any,
                 node: yaml.Node | None) -> Model | None:
        try:
            return model.model_validate(data)
        except ValidationError as error:
            self.add_validation_errors(path, node, error, ())
            return None

    def add_validation_errors(self, path: Path, node: yaml.Node | None,
                              error: ValidationError, prefix: tuple[str | int, ...]) -> None:
        """pydantic's errors as editor-friendly messages at the line of the offending value."""
        for problem in error.errors():
            loc = (*prefix, *problem["loc"])
            message = problem["msg"]
            if problem["type"] == "extra_forbidden":
                message = f"unknown field '{loc[-1]}'"
            elif problem["type"] == "missing":
                message = f"missing field '{loc[-1]}'"
                loc = loc[:-1]
            self.add(path, locate(node, loc), f"{_dotted(loc)}: {message}")

    def validate_items(self, path: Path, key: str, model: type[Model], data: Any,
                       node: yaml.Node | None) -> list[tuple[int, Model]]:
        """Validate each item of the top-level list `key` on its own, so one bad item does not
        hide the others (nor cascade into 'unknown service' errors everywhere)."""
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            self.add(path, (1, 1), f"expected a top-level '{key}:' list")
            return []
        extra = sorted(set(data) - {key})
        for name in extra:
            self.add(path, locate(node, (name,)), f"unknown field '{name}'")
        valid: list[tuple[int, Model]] = []
        for index, item in enumerate(data[key]):
            try:
                valid.append((index, model.model_validate(item)))
            except ValidationError as error:
                self.add_validation_errors(path, node, error, (key, index))
        return valid


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in loc) or "file"


def load_content(root: Path, today: dt.date | None = None, stale_after_days: int = 365,
                 strict: bool = True) -> tuple[Content, list[ContentIssue]]:
    """Load everything; raise ContentError when anything is an error (unless `strict` is off,
    for the checker, which reports what loaded), else return the warnings."""
    collector = _Collector(root)
    if not root.is_dir():
        raise ContentError([ContentIssue(str(root), 1, 1, "content folder not found")])
    taxonomy = _load_taxonomy(root / "taxonomy.yml", collector)
    ui = _load_ui(root / "ui", collector)
    cities: dict[str, CityPack] = {}
    for city_dir in sorted(p for p in root.iterdir() if (p / "city.yml").exists()):
        pack = _load_city(city_dir, taxonomy, collector, today or dt.date.today(),
                          stale_after_days)
        if pack is not None:
            cities[pack.city.id] = pack
    if not cities and not any(i.severity == "error" for i in collector.issues):
        collector.add(root, (1, 1), "no city found: expected content/<city>/city.yml")
    errors = [issue for issue in collector.issues if issue.severity == "error"]
    if errors and strict:
        raise ContentError(collector.issues)
    content = Content(taxonomy=taxonomy, cities=cities, ui=ui,
                      fingerprint=collector.digest.hexdigest()[:16], files=tuple(collector.files))
    return content, sorted(collector.issues)


def _load_taxonomy(path: Path, collector: _Collector) -> Taxonomy:
    loaded = collector.read(path)
    data = loaded[0] if loaded else None
    if not isinstance(data, dict) or not isinstance(data.get("topics"), dict):
        if loaded is not None:
            collector.add(path, (1, 1), "expected 'topics:' and 'actions:' mappings")
        return Taxonomy({}, {})
    return Taxonomy({str(k): str(v) for k, v in data["topics"].items()},
                    {str(k): str(v) for k, v in (data.get("actions") or {}).items()})


def _load_ui(folder: Path, collector: _Collector) -> dict[str, dict[str, str]]:
    ui: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.yml")):
        loaded = collector.read(path)
        if loaded is None:
            continue
        data, _node = loaded
        lang = path.stem
        if lang not in LANGUAGES:
            collector.add(path, (1, 1), f"'{lang}' is not one of {', '.join(LANGUAGES)}")
            continue
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            collector.add(path, (1, 1), "expected a mapping of text keys to strings")
            continue
        ui[lang] = {str(k): v for k, v in data.items()}
    reference = ui.get("en", {})
    for lang, strings in ui.items():
        path = folder / f"{lang}.yml"
        for key in reference:
            if key not in strings:
                collector.add(path, (1, 1), f"missing translation of '{key}'")
            elif _placeholders(strings[key]) != _placeholders(reference[key]):
                collector.add(path, (1, 1), f"'{key}': placeholders differ from English "
                              f"({sorted(_placeholders(reference[key]))})")
    for lang in LANGUAGES:
        if lang not in ui and reference:
            collector.add(folder / f"{lang}.yml", (1, 1), "missing UI translation file")
    return ui


def _placeholders(text: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _load_city(city_dir: Path, taxonomy: Taxonomy, collector: _Collector, today: dt.date,
               stale_after_days: int) -> CityPack | None:
    city_path = city_dir / "city.yml"
    loaded = collector.read(city_path)
    city = collector.validate(city_path, City, *loaded) if loaded else None

    services: dict[str, Service] = {}
    service_ids: set[str] = set()  # every id written, valid or not: no cascade of errors
    services_path = city_dir / "services.yml"
    if services_path.exists() and (loaded := collector.read(services_path)):
        if isinstance(loaded[0], dict) and isinstance(loaded[0].get("services"), list):
            service_ids = {str(item.get("id")) for item in loaded[0]["services"]
                           if isinstance(item, dict)}
        for index, service in collector.validate_items(services_path, "services", Service,
                                                       *loaded):
            where = locate(loaded[1], ("services", index, "id"))
            if service.id in services:
                collector.add(services_path, where, f"duplicate service id '{service.id}'")
            services[service.id] = service
            for topic in service.topics:
                if topic not in taxonomy.topics:
                    collector.add(services_path, where, f"service '{service.id}': unknown topic "
                                  f"'{topic}'")
            _check_service_fields(service, services_path, where, collector, today,
                                  stale_after_days)

    entries: dict[str, Entry] = {}
    for path in sorted((city_dir / "guides").glob("*.yml")):
        loaded = collector.read(path)
        if loaded is None:
            continue
        for index, entry in collector.validate_items(path, "entries", Entry, *loaded):
            node = loaded[1]

            def at(*field: str | int, _i: int = index, _n: yaml.Node | None = node) -> tuple[
                    int, int]:
                return locate(_n, ("entries", _i, *field))

            if entry.id in entries:
                collector.add(path, at("id"), f"duplicate entry id '{entry.id}'")
            if entry.id in RESERVED_IDS:
                collector.add(path, at("id"), f"'{entry.id}' is reserved for an action")
            entries[entry.id] = entry
            _check_entry(entry, path, at, taxonomy, service_ids, collector, today,
                         stale_after_days)
    if city is None:
        return None
    return CityPack(city=city, entries=entries, services=services)


def _check_entry(entry: Entry, path: Path, at: Any, taxonomy: Taxonomy,
                 services: set[str], collector: _Collector, today: dt.date,
                 stale_after_days: int) -> None:
    if entry.topic not in taxonomy.topics:
        known = ", ".join(sorted(taxonomy.topics))
        collector.add(path, at("topic"), f"unknown topic '{entry.topic}' (known: {known})")
    for lang in LANGUAGES:
        for field_name in ("title", "answer", "questions"):
            if lang not in getattr(entry, field_name):
                collector.add(path, at(field_name), f"entry '{entry.id}': missing {lang} "
                              f"translation of {field_name}")
        if lang in entry.questions and len(entry.questions[lang]) < MIN_QUESTIONS:
            collector.add(path, at("questions", lang), f"entry '{entry.id}': {lang} has "
                          f"{len(entry.questions[lang])} example questions, at least "
                          f"{MIN_QUESTIONS} needed")
    for lang, answer in entry.answer.items():
        if len(answer) > MAX_ANSWER_CHARS:
            collector.add(path, at("answer", lang), f"entry '{entry.id}': {lang} answer has "
                          f"{len(answer)} characters, at most {MAX_ANSWER_CHARS} fit a phone "
                          "screen")
    for index, service_id in enumerate(entry.services):
        if service_id not in services:
            collector.add(path, at("services", index), f"entry '{entry.id}': service "
                          f"'{service_id}' is not in services.yml")
    if (today - entry.last_reviewed).days > stale_after_days:
        collector.add(path, at("last_reviewed"), f"entry '{entry.id}' was last reviewed on "
                      f"{entry.last_reviewed}, over {stale_after_days} days ago", warning=True)
    if entry.last_reviewed > today:
        collector.add(path, at("last_reviewed"), f"entry '{entry.id}': last_reviewed "
                      f"{entry.last_reviewed} is in the future")


def _check_service_fields(service: Service, path: Path, where: tuple[int, int],
                          collector: _Collector, today: dt.date, stale_after_days: int) -> None:
    if service.address and service.location is None:
        collector.add(path, where, f"service '{service.id}' has an address but no location "
                      "(lat/lon): it cannot be found by 'services near me'", warning=True)
    if (today - service.last_reviewed).days > stale_after_days:
        collector.add(path, where, f"service '{service.id}' was last reviewed on "
                      f"{service.last_reviewed}, over {stale_after_days} days ago", warning=True)
