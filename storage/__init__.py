"""Storage: SQLAlchemy models behind small repository functions.

`users` (settings), `tickets` (handoff), `analytics` (anonymous counts, scrubbed questions),
`privacy` (/forget and retention) and `reports` (read-only figures for the impact report).
"""

from storage.db import Database, StorageUnavailable
from storage.keys import user_key
from storage.privacy import forget_user, purge_expired, retention_loop

__all__ = ["Database", "StorageUnavailable", "forget_user", "purge_expired", "retention_loop",
           "user_key"]
