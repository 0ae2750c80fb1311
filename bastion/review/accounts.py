"""Moderator accounts, roles and the one table of what each role may do."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bastion.store.models.review import UserRow
from bastion.store.transaction import Transaction
from bastion.store.users import LockScope


class Role(StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    SENIOR_MODERATOR = "senior_moderator"
    LEGAL = "legal"
    AUDITOR = "auditor"  # reads everything, changes nothing

    @property
    def label(self) -> str:
        """The role's name as people read it, the same in every table, form and message."""
        return self.value.replace("_", " ")


def role_label(role: str) -> str:
    """A stored role's readable name; a role this version does not know is shown as stored."""
    try:
        return Role(role).label
    except ValueError:
        return role


class Permission(StrEnum):
    VIEW_QUEUE = "view_queue"
    DECIDE = "decide"
    DECIDE_ESCALATED = "decide_escalated"  # cases escalated to senior moderators
    DECIDE_LEGAL = "decide_legal"  # cases escalated to legal
    DECIDE_APPEAL = "decide_appeal"
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    MANAGE_ORDERS = "manage_orders"  # record removal orders and work their clocks (TCO Art 3-4)
    OPEN_PRESERVED = "open_preserved"  # open material preserved under TCO Art 6
    MANAGE_MODELS = "manage_models"  # shadow, promote and roll back text models (admins only)
    MANAGE_STREAM = "manage_stream"  # see and replay the stream's dead letters (admins only)


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
        {
            Permission.VIEW_QUEUE,
            Permission.DECIDE_LEGAL,
            Permission.VIEW_DASHBOARD,
            Permission.VIEW_AUDIT,
            Permission.MANAGE_ORDERS,
            Permission.OPEN_PRESERVED,
        }
    ),
    Role.AUDITOR: frozenset({Permission.VIEW_QUEUE, Permission.VIEW_DASHBOARD, Permission.VIEW_AUDIT}),
}

# Tiers of review, lowest first: where a case was escalated to, and the highest tier a decider's role reaches.
TIERS: tuple[str | None, ...] = (None, "senior", "legal")

# Who may work a case, by its tier: an escalated case needs the permission of its tier, and an appeal is decided
# at the tier of the decision it contests or higher (a senior's decision by a senior moderator or legal, a legal
# officer's or an admin's by legal), never lower: a plain moderator cannot reverse a senior or legal decision.
ESCALATION_PERMISSIONS: dict[str | None, tuple[Permission, ...]] = {
    None: (Permission.DECIDE,),
    "senior": (Permission.DECIDE_ESCALATED,),
    "legal": (Permission.DECIDE_LEGAL,),
}
APPEAL_PERMISSIONS: dict[str | None, tuple[Permission, ...]] = {
    None: (Permission.DECIDE_APPEAL,),
    "senior": (Permission.DECIDE_ESCALATED, Permission.DECIDE_LEGAL),
    "legal": (Permission.DECIDE_LEGAL,),
}

# Adding a case's item to a hash bank ("also add to bank" when deciding) goes with deciding the case: whoever may
# decide it may add the item to a blocking bank, and only with a decision that acts on it (remove, restrict,
# label). No role adds to an allow (benign) bank from a case: an allow entry vetoes every other bank's match on
# that content, so it is curated through the bank API (scope banks:write), never one reviewer's form field.

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account operation that cannot be done as asked."""


def can(role: str, permission: Permission) -> bool:
    try:
        return permission in PERMISSIONS[Role(role)]
    except ValueError:  # a role this version does not know grants nothing
        return False


def tier_of_role(role: str) -> str | None:
    """The highest review tier a role decides at: legal for legal officers and admins, senior for seniors."""
    return next((tier for tier in reversed(TIERS) if tier and can(role, ESCALATION_PERMISSIONS[tier][0])), None)


def higher_tier(first: str | None, second: str | None) -> str | None:
    """The higher of two review tiers (None is the ordinary one)."""
    return max(first, second, key=TIERS.index)


def create_user(tx: Transaction, username: str, password: str, role: Role, actor: str) -> UserRow:
    if not _USERNAME.match(username):
        raise AccountError("a username is 2-64 lower-case letters, digits, '.', '_' or '-'")
    if len(password) < 10:
        raise AccountError("a password has at least 10 characters")
    if tx.users.exists(username):
        raise AccountError(f"user {username!r} already exists")
    user = tx.users.add(username, _hasher.hash(password), role.value)
    tx.audit.append(action="user.create", subject=f"user:{username}", actor=actor, payload={"role": role.value})
    return user


def set_active(tx: Transaction, username: str, active: bool, actor: str) -> UserRow:
    """Let a user log in again, or stop them; nobody disables themselves or the last active admin."""
    user = _named(tx, username)
    if not active and actor == f"user:{username}":
        raise AccountError("you cannot disable your own account: ask another admin")
    if not active and user.active and user.role == Role.ADMIN and tx.users.count_active(Role.ADMIN) <= 1:
        raise AccountError(f"{username!r} is the last active admin: enable or create another admin first")
    user.active = active
    user.session_generation += 1  # a disabled user's open pages stop working now, not when the cookie expires
    tx.audit.append(action="user.enable" if active else "user.disable", subject=f"user:{username}", actor=actor)
    return user


def set_role(tx: Transaction, username: str, role: Role, actor: str) -> UserRow:
    """Give a user another role; their sessions end, so the old role's rights go with them at once."""
    user = _named(tx, username)
    if actor == f"user:{username}":
        raise AccountError("you cannot change your own role: ask another admin")
    if user.active and user.role == Role.ADMIN and role != Role.ADMIN and tx.users.count_active(Role.ADMIN) <= 1:
        raise AccountError(f"{username!r} is the last active admin: make another admin first")
    before, user.role = user.role, role.value
    user.session_generation += 1
    tx.audit.append(
        action="user.role", subject=f"user:{username}", actor=actor, payload={"from": before, "to": role.value}
    )
    return user


def end_sessions(tx: Transaction, username: str) -> None:
    """Log a user out everywhere: every session cookie issued to them before now is refused from now on."""
    user = _named(tx, username)
    user.session_generation += 1


def set_wellbeing(tx: Transaction, username: str, blur: bool, grayscale: bool, break_after: int) -> UserRow:
    """A moderator's own media defaults and how many graphic items before a suggested break."""
    user = _named(tx, username)
    if not 1 <= break_after <= 500:
        raise AccountError("suggest a break after 1 to 500 items")
    user.blur_media, user.grayscale_media, user.break_after = blur, grayscale, break_after
    return user


def _named(tx: Transaction, username: str) -> UserRow:
    user = tx.users.named(username)
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def authenticate(tx: Transaction, username: str, password: str) -> UserRow | None:
    """The active user with these credentials, or None (same answer for every kind of failure)."""
    user = tx.users.active(username)
    return user if password_matches(user, password) else None


def password_matches(user: UserRow | None, password: str) -> bool:
    """Argon2 verification (tens of milliseconds of CPU: never on the event loop, never while holding the writer).

    An unknown or disabled user costs the same time, so timing does not tell which names exist.
    """
    if user is None:
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginLimits:
    """How many failed logins in `window` lock a name (or a client address), and for how long."""

    per_username: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


def login_lock(tx: Transaction, username: str, address: str, now: datetime) -> str | None:
    """Why logging in is refused right now without even checking the password (a lock in force), or None."""
    for scope, value in _scopes(username, address):
        end = tx.users.login_lock_end(scope, value)
        if end is not None and end > now:
            return _locked_message(scope, end, now)
    return None


def record_failed_login(tx: Transaction, username: str, address: str, limits: LoginLimits, now: datetime) -> str | None:
    """Keep and audit a failed login; at a limit, lock the name (or the address) and say so, else None."""
    tx.users.record_login_failure(username, address, now)
    tx.audit.append(action="login.failed", subject=f"user:{username}", actor="anonymous", payload={"address": address})
    limit = {"username": limits.per_username, "address": limits.per_address}
    for scope, value in _scopes(username, address):
        since = now - limits.window
        last_lock = tx.users.login_lock_end(scope, value)
        if last_lock is not None:  # failures before a lock ended were paid for by that lock
            since = max(since, last_lock)
        if tx.users.login_failures_since(scope, value, since) >= limit[scope]:
            until = now + limits.lockout
            tx.users.lock_logins(scope, username, address, now, until)
            payload = {"locks": scope, "address": address, "until": until.isoformat()}
            tx.audit.append(action="login.locked", subject=f"user:{username}", actor="system", payload=payload)
            return _locked_message(scope, until, now)
    return None


def record_login(tx: Transaction, username: str) -> None:
    """A successful login: the name's count of failures starts again."""
    tx.users.forget_login_failures(username)


def _scopes(username: str, address: str) -> tuple[tuple[LockScope, str], tuple[LockScope, str]]:
    return ("username", username), ("address", address)


def _locked_message(scope: LockScope, until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    who = "this account" if scope == "username" else "this address"
    return f"Too many failed logins: {who} is locked for {minutes} more minute{'s' if minutes > 1 else ''}."
