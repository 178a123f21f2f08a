"""Pseudonymous user keys: a keyed hash, so the database never holds a Telegram id in clear."""

from __future__ import annotations

import hashlib
import hmac


def user_key(secret: bytes, channel: str, user_id: int | str) -> str:
    return hmac.new(secret, f"{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()[:40]
