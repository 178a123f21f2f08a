"""Telegram may deliver an update twice (a webhook retried, polling restarted before its offset
was confirmed). The ids of recent updates are remembered so each is answered once."""

from __future__ import annotations

from collections import OrderedDict

DEFAULT_SIZE = 10_000  # far more than the updates in flight or retried at any moment


class RecentUpdates:
    """A bounded LRU of update ids. In memory: a durable inbox is a later step."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def seen_before(self, update_id: int) -> bool:
        """True when `update_id` came before; remembers it otherwise."""
        if update_id in self._ids:
            self._ids.move_to_end(update_id)
            return True
        self._ids[update_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return False
