"""Who is looking: the session cookie, the logged-in moderator, CSRF tokens and role checks for pages."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import Request

from bastion.review.accounts import Permission, can
from bastion.store.models.review import UserRow


class LoginRequired(Exception):
    """The page needs a logged-in user: answered with a redirect to /login."""


class Forbidden(Exception):
    """The user's role may not see this page or do this (`permission`: what it lacks; None for a bad CSRF token)."""

    def __init__(self, permission: Permission | None = None) -> None:
        super().__init__(permission)
        self.permission = permission


def session_secret(data_dir: Path, configured: str | None) -> str:
    """The configured secret, or one made once and kept in the data directory (sessions survive restarts)."""
    if configured:
        return configured
    path = data_dir / "session-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def current_user(request: Request) -> UserRow:
    username = request.session.get("user")
    if not username:
        raise LoginRequired
    with request.app.state.db.snapshot() as tx:
        user = tx.users.active(username)
    if user is None:
        request.session.clear()
        raise LoginRequired
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
