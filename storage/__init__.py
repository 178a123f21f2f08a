"""Storage: SQLAlchemy models behind small repository functions."""

from storage.db import Database, StorageUnavailable
from storage.keys import user_key

__all__ = ["Database", "StorageUnavailable", "user_key"]
