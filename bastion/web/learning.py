"""The learning loop in the web UI: the TVEC policy for moderators (/policy), and for admins the text models,
the live model against the one in shadow on what people decided since, promotion and rollback (/admin/models).

The policy is Markdown rendered with raw HTML off: a platform's file cannot put markup or scripts in the page.
Every promotion, shadow start and rollback is audited (`bastion.learning.registry`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markdown_it import MarkdownIt

from bastion.core import utcnow
from bastion.learning.compare import NothingToCompare, compare
from bastion.learning.registry import RegistryError, promote, rollback, start_shadow
from bastion.review.accounts import Permission
from bastion.store.transaction import Transaction
from bastion.text.policy import PolicyDocumentError, current_policy
from bastion.web.auth import check_csrf, require
from bastion.web.routes import page

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str | None, Form()]
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def _back(request: Request, flash: str) -> RedirectResponse:
    request.session["flash"] = flash
    return RedirectResponse("/admin/models", status_code=303)


@router.get("/policy")
def policy_page(request: Request) -> HTMLResponse:
    """The TVEC policy moderators apply, as the judge and training read it."""
    user = require(request, Permission.VIEW_QUEUE)
    try:
        policy = current_policy(request.app.state.settings.tvec_policy_file)
    except PolicyDocumentError as error:
        return page(request, "policy.html", user, policy=None, problem=str(error), body="")
    return page(request, "policy.html", user, policy=policy, problem=None, body=_MARKDOWN.render(policy.body))


@router.get("/admin/models")
def models_page(request: Request) -> HTMLResponse:
    user = require(request, Permission.MANAGE_MODELS)
    with request.app.state.db.snapshot() as tx:
        models = tx.text_models.all()
        try:
            comparison = compare(tx).as_json()
        except NothingToCompare:
            comparison = None
    serving = request.app.state.service.context.text_model().version
    return page(request, "models.html", user, models=models, comparison=comparison, serving=serving)


@router.post("/admin/models/{version}/shadow")
def shadow_model(request: Request, version: str, csrf: Csrf = None) -> RedirectResponse:
    def act(tx: Transaction, actor: str) -> str:
        start_shadow(tx, version, actor, utcnow())
        return f"Model {version} runs in shadow: its verdicts are stored, never acted on."

    return _act(request, csrf, act)


@router.post("/admin/models/{version}/promote")
def promote_model(request: Request, version: str, csrf: Csrf = None) -> RedirectResponse:
    def act(tx: Transaction, actor: str) -> str:
        replaced = promote(tx, version, actor, utcnow()).replaced
        return f"Model {version} is live (it replaced {replaced or 'the configured model'})."

    return _act(request, csrf, act)


@router.post("/admin/models/rollback")
def rollback_model(request: Request, csrf: Csrf = None) -> RedirectResponse:
    def act(tx: Transaction, actor: str) -> str:
        return f"Rolled back: {rollback(tx, actor, utcnow())} serves now."

    return _act(request, csrf, act)


def _act(request: Request, csrf: str | None, act: Callable[[Transaction, str], str]) -> RedirectResponse:
    check_csrf(request, csrf)
    user = require(request, Permission.MANAGE_MODELS)
    try:
        with request.app.state.db.transaction() as tx:
            done = act(tx, f"user:{user.username}")
    except RegistryError as error:
        return _back(request, str(error))
    request.app.state.service.context.text_models().refresh_now()  # this process serves the change at once
    return _back(request, str(done))
