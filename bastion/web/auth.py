"""Who is looking: the session cookie, the logged-in moderator, CSRF tokens and role checks for pages.

A session cookie is signed, but a signature alone cannot be taken back: each
cookie also carries the user's session generation, and logging out, being
disabled or changing role raises it on the server, which ends every session
issued before.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from fastapi import Request

from bastion.core import utcnow
from bastion.review.accounts import (
    LoginLimits,
    Permission,
    can,
    end_sessions,
    login_lock,
    password_matches,
    record_failed_login,
    record_login,
)
from bastion.settings import Settings
from bastion.store.models.review import UserRow


class LoginRequired(Exception):
    """The page needs a logged-in user: answered with a redirect to /login."""


class Forbidden(Exception):
    """The user's role may not see this page or do this (`permission`: what it lacks; None for a bad CSRF token)."""

    def __init__(self, permission: Permission | None = None) -> None:
        super().__init__(permission)
        self.permission = permission


class LoginRefused(Exception):
    """Wrong credentials (401) or a lock in force (429); the message is what the person reads."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def session_secret(data_dir: Path, configured: str | None) -> str:
    """The configured secret, or one made once and kept in the data directory (sessions survive restarts).

    The file is created readable by its owner only (0600) from the first byte: a readable secret forges sessions.
    """
    if configured:
        return configured
    path = data_dir / "session-secret"
    if not path.exists():
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def login_limits(settings: Settings) -> LoginLimits:
    return LoginLimits(
        per_username=settings.login_failures_per_username,
        per_address=settings.login_failures_per_address,
        window=timedelta(minutes=settings.login_window_minutes),
        lockout=timedelta(minutes=settings.login_lockout_minutes),
    )


def log_in(request: Request, username: str, password: str) -> UserRow:
    """Check a login and start a fresh session; raise LoginRefused.

    Runs in the threadpool (the route is a sync `def`). A lock in force refuses before any
    password hashing, so a flood of attempts costs a read each, not argon2 each; the
    hashing itself holds neither a database transaction nor the writer.
    """
    db, now = request.app.state.db, utcnow()
    address = (request.client.host if request.client else "unknown")[:64]
    name = username.strip().lower()[:64]
    with db.snapshot() as tx:
        refusal = login_lock(tx, name, address, now)
        user = None if refusal else tx.users.active(name)
    if refusal:
        raise LoginRefused(refusal, 429)
    if not password_matches(user, password) or user is None:
        with db.transaction() as tx:
            locked = record_failed_login(tx, name, address, login_limits(request.app.state.settings), now)
        raise LoginRefused(locked or "Wrong username or password.", 429 if locked else 401)
    with db.transaction() as tx:
        record_login(tx, name)
    request.session.clear()  # a fresh session on login: no fixation
    request.session.update({"user": user.username, "generation": user.session_generation, "exposure": 0})
    return user


def log_out(request: Request) -> None:
    """End every session of the logged-in user on the server (not only this cookie), then this one."""
    username = request.session.get("user")
    if username and _live(request, username):
        with request.app.state.db.transaction() as tx:
            end_sessions(tx, username)
    request.session.clear()


def current_user(request: Request) -> UserRow:
    username = request.session.get("user")
    if not username:
        raise LoginRequired
    user = _live(request, username)
    if user is None:
        request.session.clear()
        raise LoginRequired
    return user


def _live(request: Request, username: str) -> UserRow | None:
    """The active user this session is for, if the session was issued in their current generation."""
    with request.app.state.db.snapshot() as tx:
        user = tx.users.active(username)
    if user is None or request.session.get("generation") != user.session_generation:
        return None
    return user


def require(request: Request, permission: Permission) -> UserRow:
    user = current_user(request)
    if not can(user.role, permission):
        raise Forbidden(permission)
    return user


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    header = request.headers.get("x-csrf-token")
    if not expected or not any(t and secrets.compare_digest(t, expected) for t in (submitted, header)):
        raise Forbidden
