"""Every content mistake an editor can make is reported with file:line and a clear message."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import PROJECT
from guides.issues import ContentError
from guides.loader import load_content

GUIDE = Path("berlin/guides/transport.tickets.yml")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def replace_once(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = line_of(path, old.splitlines()[0])
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def errors_of(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(root)
    return [str(issue) for issue in caught.value.issues if issue.severity == "error"]


def test_the_shipped_content_has_no_errors() -> None:
    content, _warnings = load_content(PROJECT / "content")
    assert "berlin" in content.cities


def test_yaml_syntax_error_points_at_its_line(content_copy: Path) -> None:
    path = content_copy / GUIDE
    line = replace_once(path, "entries:", "entries:\n  - id: [unclosed")
    errors = errors_of(content_copy)
    assert any(e.startswith(f"content/{GUIDE}:{line + 1}:") or
               e.startswith(f"content/{GUIDE}:{line + 2}:") for e in errors), errors


def test_unknown_topic(content_copy: Path) -> None:
    path = content_copy / GUIDE
    line = replace_once(path, "topic: transport.tickets", "topic: transport.tikets")
    errors = errors_of(content_copy)
    assert any(e.startswith(f"content/{GUIDE}:{line}:") and "unknown topic 'transport.tikets'"
               in e for e in errors), errors


def test_duplicate_entry_id(content_copy: Path) -> None:
    first = load_content(content_copy)[0].city("berlin").entries_for("transport.tickets")
    path = content_copy / GUIDE
    line = replace_once(path, f"id: {first[1].id}", f"id: {first[0].id}")
    errors = errors_of(content_copy)
    assert any(e.startswith(f"content/{GUIDE}:{line}:") and "duplicate entry id" in e
               for e in errors), errors


def test_missing_translation(content_copy: Path) -> None:
    path = content_copy / GUIDE
    text = path.read_text(encoding="utf-8")
    answer = text.index("answer:")
    start = re.compile(r"\n +fa: ").search(text, answer)
    end = re.compile(r"\n +tr: ").search(text, answer)
    assert start and end
    path.write_text(text[:start.start()] + text[end.start():], encoding="utf-8")
    errors = errors_of(content_copy)
    assert any(f"content/{GUIDE}:" in e and "missing fa translation of answer" in e
               for e in errors), errors


def test_dangling_service_reference(content_copy: Path) -> None:
    path = content_copy / GUIDE
    line = replace_once(path, "services: [", "services: [no_such_service, ")
    errors = errors_of(content_copy)
    assert any(e.startswith(f"content/{GUIDE}:{line}:") and "'no_such_service' is not in "
               "services.yml" in e for e in errors), errors


def test_answer_too_long(content_copy: Path) -> None:
    path = content_copy / GUIDE
    text = path.read_text(encoding="utf-8")
    match = re.compile(r"\n( +)en: \|-\n").search(text, text.index("answer:"))
    assert match
    line = text[:match.start() + 1].count("\n") + 1
    indent = match.group(1)
    long_answer = f"\n{indent}en: " + "x" * 900 + "\n"
    rest = text[match.end():]
    rest = rest[rest.index(f"\n{indent}de: ") + 1:]  # drop the old English answer
    path.write_text(text[:match.start()] + long_answer + rest, encoding="utf-8")
    errors = errors_of(content_copy)
    assert any(e.startswith(f"content/{GUIDE}:{line}:") and "en answer has 900 characters"
               in e for e in errors), errors


def test_invalid_coordinates_and_hours(content_copy: Path) -> None:
    path = content_copy / "berlin/services.yml"
    text = path.read_text(encoding="utf-8")
    lat_line = line_of(path, "lat:")
    first_lat = re.compile(r"lat: (\d+\.\d+)").search(text)
    assert first_lat
    path.write_text(text[:first_lat.start(1)] + "152.5" + text[first_lat.end(1):],
                    encoding="utf-8")
    errors = errors_of(content_copy)
    assert any(e.startswith(f"content/berlin/services.yml:{lat_line}:") and "less than or "
               "equal to 90" in e for e in errors), errors
    assert not any("is not in services.yml" in e for e in errors), "one bad service cascades"

    path.write_text(text, encoding="utf-8")
    hours_line = line_of(path, "mon: ")
    original = path.read_text(encoding="utf-8").splitlines()[hours_line - 1]
    replace_once(path, original, original.split("mon:")[0] + "mon: 9 to 5")
    errors = errors_of(content_copy)
    assert any(e.startswith("content/berlin/services.yml:") and "'9 to 5' is not like "
               "09:00-17:00" in e for e in errors), errors


def test_stale_review_is_a_warning_not_an_error(content_copy: Path) -> None:
    path = content_copy / GUIDE
    line = replace_once(path, "last_reviewed: 2026-11-20", "last_reviewed: 2020-01-01")
    _content, warnings = load_content(content_copy, stale_after_days=365)
    assert any(str(w).startswith(f"content/{GUIDE}:{line}:") and "last reviewed on "
               "2020-01-01" in str(w) for w in warnings), warnings


def test_unknown_field_is_named(content_copy: Path) -> None:
    path = content_copy / GUIDE
    line = replace_once(path, "    urgent: false", "    urgnet: false")
    errors = errors_of(content_copy)
    assert any(e.startswith(f"content/{GUIDE}:{line}:") and "unknown field 'urgnet'" in e
               for e in errors), errors


def test_python_tags_are_refused(content_copy: Path) -> None:
    path = content_copy / GUIDE
    replace_once(path, "entries:", "evil: !!python/object/apply:os.system ['echo pwned']\n"
                 "entries:")
    errors = errors_of(content_copy)
    assert any("!!python" in e for e in errors), errors


def test_yaml_bomb_is_refused_quickly(content_copy: Path) -> None:
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    (content_copy / "berlin/guides/bomb.yml").write_text("\n".join(bomb) + "\n")
    errors = errors_of(content_copy)
    assert any("bomb.yml:1:" in e and "anchors" in e for e in errors), errors


def test_huge_file_is_refused_without_reading_it(content_copy: Path) -> None:
    huge = content_copy / "berlin/guides/huge.yml"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    errors = errors_of(content_copy)
    assert any("huge.yml:1:1: file is 51200 KiB" in e for e in errors), errors


def test_check_command_json_and_exit_codes(content_copy: Path) -> None:
    command = [sys.executable, "-m", "bot", "content", "check", "--json"]
    env = {"CONTENT_DIR": str(content_copy), "PATH": "/usr/bin:/bin"}
    good = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True,
                          check=False)
    assert good.returncode == 0, good.stdout + good.stderr
    report = json.loads(good.stdout)
    assert report["errors"] == []
    assert set(report["coverage"]) == {"en", "de", "uk", "ru", "ar", "fa", "tr", "fr", "es"}

    replace_once(content_copy / GUIDE, "topic: transport.tickets", "topic: nope")
    bad = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True,
                         check=False)
    assert bad.returncode == 1
    assert any("unknown topic 'nope'" in e for e in json.loads(bad.stdout)["errors"])
