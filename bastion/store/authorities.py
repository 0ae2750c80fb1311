"""Competent authorities' accounts: each submits removal orders with a credential of its own (`bau_...`),
shown once and stored as a hash, never a platform's API key (TCO Art 3(5): the order must come from an
authenticated sender)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.store.audit import append_audit
from bastion.store.models.orders import AuthorityRow

SCHEME = "bau"


@dataclass(frozen=True)
class IssuedCredential:
    name: str
    prefix: str
    secret: str  # the whole credential as the authority must send it; never stored


@dataclass(frozen=True)
class AuthorityGrant:
    """Who a presented credential is: the authority and its Member State."""

    id: int
    name: str
    member_state: str


class AuthorityRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def create(self, name: str, member_state: str, actor: str = "cli") -> IssuedCredential:
        if self.named(name) is not None:
            raise ValueError(f"an authority named {name!r} exists already")
        prefix, token = secrets.token_hex(6), secrets.token_urlsafe(32)
        row = AuthorityRow(name=name, member_state=member_state, prefix=prefix, secret_hash=_digest(token))
        self._session.add(row)
        self._session.flush()
        payload = {"name": name, "member_state": member_state, "prefix": prefix}
        append_audit(
            self._session, action="authority.create", subject=f"authority:{row.id}", actor=actor, payload=payload
        )
        return IssuedCredential(name, prefix, f"{SCHEME}_{prefix}_{token}")

    def named(self, name: str) -> AuthorityRow | None:
        return self._session.scalars(select(AuthorityRow).where(AuthorityRow.name == name)).first()

    def all(self) -> Sequence[AuthorityRow]:
        return list(self._session.scalars(select(AuthorityRow).order_by(AuthorityRow.id)))

    def revoke(self, name: str, actor: str = "cli") -> bool:
        row = self.named(name)
        if row is None or row.revoked:
            return False
        row.revoked = True
        append_audit(self._session, action="authority.revoke", subject=f"authority:{row.id}", actor=actor)
        return True

    def lookup(self, credential: str) -> AuthorityGrant | None:
        """The live authority a credential belongs to, or None (unknown, malformed, revoked, or a platform key)."""
        parts = credential.split("_", 2)
        if len(parts) != 3 or parts[0] != SCHEME:
            return None
        row = self._session.scalars(select(AuthorityRow).where(AuthorityRow.prefix == parts[1])).first()
        if row is None or row.revoked or not hmac.compare_digest(row.secret_hash, _digest(parts[2])):
            return None
        return AuthorityGrant(row.id, row.name, row.member_state)


def _digest(token: str) -> str:
    # 256-bit random tokens: a fast hash suffices (as for platform keys, `store/keys.py`).
    return hashlib.sha256(token.encode()).hexdigest()
