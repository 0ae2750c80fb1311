"""The actor page (/actors/{id}): an account's or container's items and verdicts, cases and decisions, strikes,
reports against it, its profile over time and the accounts it co-posts with. Conduct and content only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bastion.actors.networks import open_cluster_case
from bastion.actors.policy import load_conduct_policy
from bastion.actors.view import actor_page_view
from bastion.core import utcnow
from bastion.review.accounts import Permission
from bastion.web.auth import check_csrf, require
from bastion.web.routes import page

router = APIRouter(include_in_schema=False)


@router.get("/actors/{actor_id}")
def actor_page(request: Request, actor_id: int) -> HTMLResponse:
    user = require(request, Permission.VIEW_QUEUE)
    policy = load_conduct_policy(request.app.state.settings.conduct_policy_file.expanduser())
    with request.app.state.db.snapshot() as tx:
        view = actor_page_view(tx, actor_id, utcnow(), policy.network.min_shared)
    if view is None:
        return page(request, "error.html", user, 404, message=f"No actor {actor_id}.")
    return page(request, "actor.html", user, v=view)


@router.post("/actors/{actor_id}/cluster-case")
def cluster_case(request: Request, actor_id: int, csrf: Annotated[str | None, Form()] = None) -> RedirectResponse:
    """Open one case for the co-posting cluster this account belongs to, and go to it."""
    check_csrf(request, csrf)
    user = require(request, Permission.DECIDE)
    policy = load_conduct_policy(request.app.state.settings.conduct_policy_file.expanduser())
    with request.app.state.db.transaction() as tx:
        case = open_cluster_case(tx, actor_id, utcnow(), policy, f"user:{user.username}")
    if case is None:
        request.session["flash"] = "This account is linked to no cluster, or its cluster's case was decided."
        return RedirectResponse(f"/actors/{actor_id}", status_code=303)
    return RedirectResponse(f"/cases/{case.id}", status_code=303)
