"""The actor page (/actors/{id}): an account's or container's items and verdicts, cases and decisions, strikes,
reports against it, its profile over time and the accounts it co-posts with. Conduct and content only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bastion.actors.view import actor_page_view
from bastion.core import utcnow
from bastion.review.accounts import Permission, can
from bastion.store.models.review import UserRow
from bastion.web.auth import csrf_token, require
from bastion.web.routes import templates

router = APIRouter(include_in_schema=False)


def _page(request: Request, name: str, user: UserRow, status: int = 200, **context: Any) -> HTMLResponse:
    context |= {
        "user": user,
        "csrf": csrf_token(request),
        "can": (lambda p: can(user.role, p)),
        "P": Permission,
        "flash": request.session.pop("flash", None),
    }
    return templates.TemplateResponse(request, name, context, status_code=status)


@router.get("/actors/{actor_id}")
def actor_page(request: Request, actor_id: int) -> HTMLResponse:
    user = require(request, Permission.VIEW_QUEUE)
    with request.app.state.db.snapshot() as tx:
        view = actor_page_view(tx, actor_id, utcnow())
    if view is None:
        return _page(request, "error.html", user, 404, message=f"No actor {actor_id}.")
    return _page(request, "actor.html", user, v=view)
