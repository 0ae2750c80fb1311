"""Platform authentication: `Authorization: Bearer <key>` or `X-API-Key: <key>`."""

from __future__ import annotations

import time

from fastapi import HTTPException, Request, status

from bastion.store.db import Database
from bastion.store.keys import platform_for_key

# A verified key is trusted for this long before it is looked up again, so a
# revoked key stops working within this time without a query per request.
_CACHE_SECONDS = 30.0


class KeyCache:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._seen: dict[str, tuple[str, float]] = {}

    def platform(self, key: str) -> str | None:
        cached = self._seen.get(key)
        now = time.monotonic()
        if cached and now - cached[1] < _CACHE_SECONDS:
            return cached[0]
        with self._db.reader() as session:
            platform = platform_for_key(session, key)
        if platform is None:
            self._seen.pop(key, None)
        else:
            self._seen[key] = (platform, now)
        return platform


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


def require_platform(request: Request) -> str:
    """FastAPI dependency: the calling platform's name, or 401."""
    key = _presented_key(request)
    if not key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API key: send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    platform = request.app.state.keys.platform(key)
    if platform is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return platform
