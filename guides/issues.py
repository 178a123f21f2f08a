"""Problems found in content, printed as `file:line:column: message` like a compiler would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, order=True)
class ContentIssue:
    file: str
    line: int
    column: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "warning: "
        return f"{self.file}:{self.line}:{self.column}: {prefix}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column,
                "message": self.message, "severity": self.severity}


class ContentError(Exception):
    """Content could not be loaded; `issues` says where and why (the old content stays live)."""

    def __init__(self, issues: list[ContentIssue]) -> None:
        self.issues = sorted(issues)
        first = self.issues[0] if self.issues else "no details"
        more = f" (and {len(self.issues) - 1} more)" if len(self.issues) > 1 else ""
        super().__init__(f"{first}{more}")
