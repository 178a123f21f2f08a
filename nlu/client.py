"""Client for a Rasa server's `POST /model/parse`, authenticated with a short-lived JWT."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import jwt

from nlu.parse import IntentScore, Parse

logger = logging.getLogger(__name__)


class NLUUnavailable(Exception):
    """Rasa cannot be reached, timed out or answered an error; callers degrade gracefully."""


class RasaClient:
    """Keeps one HTTP connection pool to Rasa; every call carries a signed bearer token."""

    def __init__(self, base_url: str, jwt_secret: str | None, timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._jwt_secret = jwt_secret
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 1.0)),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )
        self._token: str | None = None
        self._token_expires = 0.0

    def _auth_headers(self) -> dict[str, str]:
        if not self._jwt_secret:
            return {}
        now = time.time()
        if self._token is None or now > self._token_expires - 60:
            # Rasa grants the admin role access to every endpoint; the token lives one hour.
            payload = {"user": {"username": "arrival-bot", "role": "admin"}, "exp": int(now) + 3600}
            self._token = jwt.encode(payload, self._jwt_secret, algorithm="HS256")
            self._token_expires = now + 3600
        return {"Authorization": f"Bearer {self._token}"}

    async def parse(self, text: str) -> Parse:
        """Ask Rasa for the intent ranking of `text`."""
        try:
            response = await self._http.post(
                "/model/parse", json={"text": text}, headers=self._auth_headers()
            )
        except httpx.TimeoutException as error:
            raise NLUUnavailable("Rasa did not answer in time") from error
        except httpx.HTTPError as error:
            raise NLUUnavailable(f"Rasa is unreachable at {self.base_url}") from error
        if response.status_code in (401, 403):
            raise NLUUnavailable("Rasa refused the token: check RASA_TOKEN")
        if response.status_code != 200:
            raise NLUUnavailable(f"Rasa answered HTTP {response.status_code}")
        return parse_from_rasa(response.json())

    async def healthy(self) -> bool:
        """True when the server answers and has a model loaded."""
        try:
            response = await self._http.get("/status", headers=self._auth_headers())
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def aclose(self) -> None:
        await self._http.aclose()


def parse_from_rasa(body: dict[str, Any]) -> Parse:
    """Turn Rasa's JSON into a `Parse`, keeping the whole ranking for route aggregation."""
    ranking = [
        IntentScore(str(item["name"]), float(item.get("confidence") or 0.0))
        for item in body.get("intent_ranking") or []
        if item.get("name")
    ]
    if not ranking and body.get("intent", {}).get("name"):
        intent = body["intent"]
        ranking = [IntentScore(str(intent["name"]), float(intent.get("confidence") or 0.0))]
    return Parse.from_ranking(ranking, source="rasa")
