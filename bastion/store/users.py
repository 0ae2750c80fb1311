"""Moderator accounts as stored: looked up by name, listed, added; failed logins and the locks they started.

Roles, passwords and the lockout rule are `bastion.review`'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from bastion.store.models.review import LoginFailureRow, UserRow

LockScope = Literal["username", "address"]


class UserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def named(self, username: str) -> UserRow | None:
        """The account with this name, active or not."""
        return self._session.scalar(select(UserRow).where(UserRow.username == username))

    def active(self, username: str) -> UserRow | None:
        """The account with this name if it may still log in."""
        return self._session.scalar(select(UserRow).where(UserRow.username == username, UserRow.active.is_(True)))

    def exists(self, username: str) -> bool:
        return self._session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None

    def count_active(self, role: str) -> int:
        """How many accounts with this role may still log in."""
        found = select(func.count()).where(UserRow.role == role, UserRow.active.is_(True))
        return int(self._session.scalar(found) or 0)

    def usernames(self) -> set[str]:
        return set(self._session.scalars(select(UserRow.username)))

    def all(self) -> list[UserRow]:
        """Every account, by name."""
        return list(self._session.scalars(select(UserRow).order_by(UserRow.username)))

    def add(self, username: str, password_hash: str, role: str) -> UserRow:
        user = UserRow(username=username, password_hash=password_hash, role=role)
        self._session.add(user)
        self._session.flush()
        return user

    def record_login_failure(self, username: str, address: str, at: datetime) -> None:
        """Keep a failed login of this name from this address."""
        self._session.add(LoginFailureRow(username=username, address=address, at=at))
        self._session.flush()

    def lock_logins(self, scope: LockScope, username: str, address: str, at: datetime, until: datetime) -> None:
        """Lock this name (or address): the failure at `at` reached the limit."""
        row = LoginFailureRow(username=username, address=address, at=at, locks=scope, locked_until=until)
        self._session.add(row)
        self._session.flush()

    def login_failures_since(self, scope: LockScope, value: str, since: datetime) -> int:
        """How many logins failed for this name (or from this address) after `since` (locks are not failures)."""
        found = select(func.count()).where(
            _matches(scope, value), LoginFailureRow.at > since, LoginFailureRow.locks.is_(None)
        )
        return int(self._session.scalar(found) or 0)

    def login_lock_end(self, scope: LockScope, value: str) -> datetime | None:
        """When the latest lock on this name (or address) ends or ended; None if it was never locked."""
        found = select(func.max(LoginFailureRow.locked_until)).where(
            _matches(scope, value), LoginFailureRow.locks == scope
        )
        return self._session.scalar(found)

    def forget_login_failures(self, username: str) -> None:
        """A successful login starts the name's count again (locks already over; the audit log keeps the record)."""
        self._session.execute(
            delete(LoginFailureRow).where(LoginFailureRow.username == username, LoginFailureRow.locks.is_(None))
        )


def _matches(scope: LockScope, value: str) -> ColumnElement[bool]:
    column = LoginFailureRow.username if scope == "username" else LoginFailureRow.address
    return column == value
