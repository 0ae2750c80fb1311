"""Moderator accounts as stored: looked up by name, listed, added. Roles and passwords are `bastion.review`'s."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bastion.store.models.review import UserRow


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
