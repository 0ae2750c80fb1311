"""The 403 page in the moderators' layout: what was refused, and which roles may do it."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bastion.review.accounts import Permission, Role, can
from bastion.store.models.review import UserRow
from bastion.web.auth import Forbidden, LoginRequired, csrf_token, current_user

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

# What each permission lets a moderator do, in the words the page uses ("To <action>, you need the role ...").
ACTIONS: dict[Permission, str] = {
    Permission.VIEW_QUEUE: "see the review queue",
    Permission.DECIDE: "decide cases",
    Permission.DECIDE_ESCALATED: "decide cases escalated to senior moderators",
    Permission.DECIDE_LEGAL: "decide cases escalated to legal",
    Permission.DECIDE_APPEAL: "decide appeals",
    Permission.VIEW_DASHBOARD: "see the dashboard",
    Permission.VIEW_AUDIT: "read the audit log",
    Permission.MANAGE_USERS: "manage users",
}


def forbidden_page(request: Request, error: Forbidden) -> HTMLResponse:
    """403 for a role without the permission (naming the roles that have it), or for a missing CSRF token."""
    user = _user_or_none(request)
    permission = error.permission
    context = {
        "user": user,
        "csrf": csrf_token(request),
        "can": lambda p: user is not None and can(user.role, p),
        "P": Permission,
        "flash": None,
        "action": ACTIONS.get(permission, permission.replace("_", " ")) if permission else None,
        "roles": [role.value for role in Role if permission and can(role, permission)],
    }
    return templates.TemplateResponse(request, "forbidden.html", context, status_code=403)


def _user_or_none(request: Request) -> UserRow | None:
    """The logged-in user for the layout's header; a refused login form has none."""
    try:
        return current_user(request)
    except LoginRequired:
        return None
