"""Moderator accounts, roles and the one table of what each role may do."""

from __future__ import annotations

import re
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.store.audit import append_audit
from bastion.store.models.review import UserRow


class Role(StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    SENIOR_MODERATOR = "senior_moderator"
    LEGAL = "legal"
    AUDITOR = "auditor"  # reads everything, changes nothing


class Permission(StrEnum):
    VIEW_QUEUE = "view_queue"
    DECIDE = "decide"
    DECIDE_ESCALATED = "decide_escalated"  # cases escalated to senior moderators
    DECIDE_LEGAL = "decide_legal"  # cases escalated to legal
    DECIDE_APPEAL = "decide_appeal"
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"


_ALL = frozenset(Permission)
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: _ALL,
    Role.SENIOR_MODERATOR: frozenset(
        {
            Permission.VIEW_QUEUE,
            Permission.DECIDE,
            Permission.DECIDE_ESCALATED,
            Permission.DECIDE_APPEAL,
            Permission.VIEW_DASHBOARD,
        }
    ),
    Role.MODERATOR: frozenset({Permission.VIEW_QUEUE, Permission.DECIDE, Permission.DECIDE_APPEAL}),
    Role.LEGAL: frozenset(
        {Permission.VIEW_QUEUE, Permission.DECIDE_LEGAL, Permission.VIEW_DASHBOARD, Permission.VIEW_AUDIT}
    ),
    Role.AUDITOR: frozenset({Permission.VIEW_QUEUE, Permission.VIEW_DASHBOARD, Permission.VIEW_AUDIT}),
}

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account operation that cannot be done as asked."""


def can(role: str, permission: Permission) -> bool:
    try:
        return permission in PERMISSIONS[Role(role)]
    except ValueError:  # a role this version does not know grants nothing
        return False


def create_user(session: Session, username: str, password: str, role: Role, actor: str) -> UserRow:
    if not _USERNAME.match(username):
        raise AccountError("a username is 2-64 lower-case letters, digits, '.', '_' or '-'")
    if len(password) < 10:
        raise AccountError("a password has at least 10 characters")
    if session.scalar(select(UserRow.id).where(UserRow.username == username)):
        raise AccountError(f"user {username!r} already exists")
    user = UserRow(username=username, password_hash=_hasher.hash(password), role=role.value)
    session.add(user)
    session.flush()
    append_audit(session, action="user.create", subject=f"user:{username}", actor=actor, payload={"role": role.value})
    return user


def set_active(session: Session, username: str, active: bool, actor: str) -> UserRow:
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    user.active = active
    append_audit(session, action="user.enable" if active else "user.disable", subject=f"user:{username}", actor=actor)
    return user


def set_wellbeing(session: Session, username: str, blur: bool, grayscale: bool, break_after: int) -> UserRow:
    """A moderator's own media defaults and how many graphic items before a suggested break."""
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    if not 1 <= break_after <= 500:
        raise AccountError("suggest a break after 1 to 500 items")
    user.blur_media, user.grayscale_media, user.break_after = blur, grayscale, break_after
    return user


def authenticate(session: Session, username: str, password: str) -> UserRow | None:
    """The active user with these credentials, or None (same answer for every kind of failure)."""
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time, so timing does not tell which names exist
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user
