"""Per-platform API keys: shown once, stored as a hash, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.store.audit import append_audit
from bastion.store.models.core import ApiKeyRow

_SCHEME = "bst"


@dataclass(frozen=True)
class IssuedKey:
    platform: str
    prefix: str
    secret: str  # the whole key as the platform must send it; never stored

    def __str__(self) -> str:
        return self.secret


def create_key(session: Session, platform: str, actor: str = "cli") -> IssuedKey:
    prefix = secrets.token_hex(6)
    token = secrets.token_urlsafe(32)
    session.add(ApiKeyRow(prefix=prefix, secret_hash=_digest(token), platform=platform))
    append_audit(session, action="key.create", subject=f"key:{prefix}", actor=actor, payload={"platform": platform})
    return IssuedKey(platform, prefix, f"{_SCHEME}_{prefix}_{token}")


def revoke_key(session: Session, prefix: str, actor: str = "cli") -> bool:
    row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix)).first()
    if row is None or row.revoked:
        return False
    row.revoked = True
    append_audit(session, action="key.revoke", subject=f"key:{prefix}", actor=actor, payload={"platform": row.platform})
    return True


def platform_for_key(session: Session, key: str) -> str | None:
    """The platform a key belongs to, or None when it is unknown, malformed or revoked."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != _SCHEME:
        return None
    row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.prefix == parts[1])).first()
    if row is None or row.revoked or not hmac.compare_digest(row.secret_hash, _digest(parts[2])):
        return None
    return row.platform


def _digest(token: str) -> str:
    # Keys are 256-bit random, so a fast hash is enough; a slow KDF would only
    # cost every API request time without making a random key harder to guess.
    return hashlib.sha256(token.encode()).hexdigest()
