"""Holds the live content and swaps in a new snapshot only when a reload validates."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from guides.content import Content
from guides.issues import ContentError
from guides.loader import load_content

logger = logging.getLogger(__name__)


class ContentStore:
    """`current` is always a complete, valid snapshot; bad edits never replace it."""

    def __init__(self, root: Path, stale_after_days: int = 365) -> None:
        self.root = root
        self.stale_after_days = stale_after_days
        self.current: Content = load_content(root, stale_after_days=stale_after_days)[0]
        self._stamp = self._files_stamp()
        self.last_reload_ok = True
        self.last_error: str | None = None

    def _files_stamp(self) -> tuple[tuple[str, int, int], ...]:
        stamps = []
        for dirpath, _, filenames in os.walk(self.root):
            for name in filenames:
                if name.endswith((".yml", ".yaml")):
                    stat = (Path(dirpath) / name).stat()
                    stamps.append((os.path.join(dirpath, name), stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(stamps))

    def reload_if_changed(self) -> bool:
        """Reload when any YAML file changed; True when new content went live."""
        stamp = self._files_stamp()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            content, _warnings = load_content(self.root, stale_after_days=self.stale_after_days)
        except ContentError as error:
            self.last_reload_ok = False
            self.last_error = str(error)
            logger.error("Content edit rejected, the last good content stays live:\n%s",
                         "\n".join(str(issue) for issue in error.issues
                                   if issue.severity == "error"))
            return False
        self.current = content
        self.last_reload_ok = True
        self.last_error = None
        logger.info("Content reloaded (%d files)", len(content.files))
        return True

    async def watch(self, interval: float) -> None:
        """Poll for edits forever (cancel the task to stop); parsing runs off the event loop."""
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.reload_if_changed)
            except Exception:  # a reload must never take the bot down
                logger.exception("Content reload failed")
