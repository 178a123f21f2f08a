"""Editors' changes go live while the bot runs; broken edits never replace good content."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from guides.store import ContentStore

GUIDE = Path("berlin/guides/transport.tickets.yml")


async def wait_until(condition: object, timeout: float) -> float:
    started = time.monotonic()
    while not condition():  # type: ignore[operator]
        if time.monotonic() - started > timeout:
            raise TimeoutError
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_valid_edit_is_served_within_seconds(content_copy: Path) -> None:
    store = ContentStore(content_copy)
    entry = store.current.city("berlin").entries_for("transport.tickets")[0]
    path = content_copy / GUIDE
    text = path.read_text(encoding="utf-8")
    new_title = "Single tickets — EDITED"
    watcher = asyncio.create_task(store.watch(interval=0.5))
    try:
        path.write_text(text.replace(f"en: {entry.title['en']}", f"en: {new_title}", 1),
                        encoding="utf-8")
        seconds = await wait_until(
            lambda: store.current.city("berlin").entries[entry.id].title["en"] == new_title, 10)
    finally:
        watcher.cancel()
    assert seconds < 10
    assert store.last_reload_ok


async def test_invalid_edit_is_rejected_and_last_good_content_stays(
        content_copy: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = ContentStore(content_copy)
    before = store.current
    path = content_copy / GUIDE
    path.write_text(path.read_text(encoding="utf-8").replace(
        "topic: transport.tickets", "topic: transport.tikets", 1), encoding="utf-8")
    watcher = asyncio.create_task(store.watch(interval=0.2))
    try:
        with caplog.at_level(logging.ERROR, logger="guides.store"):
            await wait_until(lambda: not store.last_reload_ok, 10)
    finally:
        watcher.cancel()
    assert store.current is before
    assert f"content/{GUIDE}:" in caplog.text and "unknown topic 'transport.tikets'" in caplog.text


@pytest.mark.parametrize("payload", [
    "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b]\n",
    "entries: !!python/object/apply:os.system ['touch /tmp/arrival-pwned']\n",
])
def test_unsafe_yaml_never_goes_live(content_copy: Path, payload: str) -> None:
    store = ContentStore(content_copy)
    before = store.current
    (content_copy / GUIDE).write_text(payload, encoding="utf-8")
    started = time.monotonic()
    assert store.reload_if_changed() is False
    assert time.monotonic() - started < 5
    assert store.current is before
    assert not Path("/tmp/arrival-pwned").exists()


def test_huge_file_is_rejected_quickly(content_copy: Path) -> None:
    store = ContentStore(content_copy)
    with (content_copy / "berlin/guides/huge.yml").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    started = time.monotonic()
    assert store.reload_if_changed() is False
    assert time.monotonic() - started < 5
    assert "51200 KiB" in (store.last_error or "")
