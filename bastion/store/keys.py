"""Per-platform API keys: shown once, stored as a hash, checked in constant time, each with its scopes.

Scopes are plain strings here (the API names them); they are stored
space-separated in one column, as OAuth writes a token's `scope`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.store.audit import append_audit
from bastion.store.models.core import ApiKeyRow

_SCHEME = "bst"


@dataclass(frozen=True)
class IssuedKey:
    platform: str
    prefix: str
    scopes: frozenset[str]
    secret: str  # the whole key as the platform must send it; never stored

    def __str__(self) -> str:
        return self.secret


@dataclass(frozen=True)
class KeyGrant:
    """What a live key lets its holder do: act as `platform`, within `scopes`."""

    platform: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class KeyInfo:
    """A key as an operator lists it: everything but the secret."""

    prefix: str
    platform: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked: bool


class KeyRepository:
    """API keys: create, revoke, list, and look up the key a request presents."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def create(self, platform: str, scopes: Iterable[str], actor: str = "cli") -> IssuedKey:
        granted = frozenset(str(scope) for scope in scopes)  # plain strings, whatever enum the caller names them by
        if not granted or any(not scope or scope.split() != [scope] for scope in granted):
            raise ValueError(f"a key needs one or more scopes without spaces, not {sorted(granted)}")
        prefix = secrets.token_hex(6)
        token = secrets.token_urlsafe(32)
        stored = " ".join(sorted(granted))
        self._session.add(ApiKeyRow(prefix=prefix, secret_hash=_digest(token), platform=platform, scopes=stored))
        payload = {"platform": platform, "scopes": sorted(granted)}
        append_audit(self._session, action="key.create", subject=f"key:{prefix}", actor=actor, payload=payload)
        return IssuedKey(platform, prefix, granted, f"{_SCHEME}_{prefix}_{token}")

    def revoke(self, prefix: str, actor: str = "cli") -> bool:
        """Revoke the live key with this prefix; False when there is none."""
        row = self._session.scalars(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix)).first()
        if row is None or row.revoked:
            return False
        row.revoked = True
        payload = {"platform": row.platform}
        append_audit(self._session, action="key.revoke", subject=f"key:{prefix}", actor=actor, payload=payload)
        return True

    def list(self) -> Sequence[KeyInfo]:
        """Every key, oldest first, revoked ones included."""
        rows = self._session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id))
        return [KeyInfo(r.prefix, r.platform, tuple(r.scopes.split()), r.created_at, r.revoked) for r in rows]

    def lookup(self, key: str) -> KeyGrant | None:
        """What a presented key grants, or None when it is unknown, malformed or revoked."""
        parts = key.split("_", 2)
        if len(parts) != 3 or parts[0] != _SCHEME:
            return None
        row = self._session.scalars(select(ApiKeyRow).where(ApiKeyRow.prefix == parts[1])).first()
        if row is None or row.revoked or not hmac.compare_digest(row.secret_hash, _digest(parts[2])):
            return None
        return KeyGrant(row.platform, frozenset(row.scopes.split()))


def _digest(token: str) -> str:
    # Keys are 256-bit random, so a fast hash is enough; a slow KDF would only
    # cost every API request time without making a random key harder to guess.
    return hashlib.sha256(token.encode()).hexdigest()
