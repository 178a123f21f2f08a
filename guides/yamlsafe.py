"""Read editors' YAML safely and keep line numbers, so every error can point at file:line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 2 * 1024 * 1024  # the whole Berlin pack is ~0.5 MB; 50 MB files are refused


@dataclass(frozen=True)
class YamlProblem(Exception):
    """A file that is not usable YAML, with the position of the problem (1-based)."""

    line: int
    column: int
    message: str


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases: editors never need them, and aliases are how
    'billion laughs' YAML bombs blow up in memory once the data is walked."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                problem="aliases (*name) are not allowed in content files",
                problem_mark=event.start_mark,
            )
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(
                problem="anchors (&name) are not allowed in content files",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Return the data and its node tree (for line numbers). Raises YamlProblem."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlProblem(1, 1, f"file is {size // 1024} KiB; the limit is "
                          f"{MAX_FILE_BYTES // 1024} KiB — split it into several files")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlProblem(1, 1, f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    loader = _NoAliasLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(part for part in (error.context, error.problem) if part)
        if "python/" in str(error):
            message = "tags like !!python/... are not allowed (only plain YAML)"
        raise YamlProblem(line, column, message or "invalid YAML") from None
    except yaml.YAMLError as error:
        raise YamlProblem(1, 1, f"invalid YAML: {error}") from None
    finally:
        loader.dispose()
    return data, node


def locate(node: yaml.Node | None, path: tuple[int | str, ...]) -> tuple[int, int]:
    """The (line, column) of the value at `path` (keys and list indexes), as near as exists."""
    if node is None:
        return 1, 1
    best = node
    current: yaml.Node | None = node
    for part in path:
        if isinstance(current, yaml.MappingNode):
            found = None
            for key_node, value_node in current.value:
                if key_node.value == str(part):
                    found = value_node
                    best = key_node
                    break
            current = found
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            current = current.value[part] if part < len(current.value) else None
        else:
            current = None
        if current is None:
            break
        best = current
    return best.start_mark.line + 1, best.start_mark.column + 1
