"""Moderator accounts, roles and the one table of what each role may do."""

from __future__ import annotations

import re
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bastion.store.models.review import UserRow
from bastion.store.transaction import Transaction


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
    tx.audit.append(action="user.enable" if active else "user.disable", subject=f"user:{username}", actor=actor)
    return user


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
    if user is None:
        _hasher.hash(password)  # spend the same time, so timing does not tell which names exist
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user
