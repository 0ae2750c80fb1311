"""The stream's dead letters in the web UI (/admin/dead-letters): what failed and why, and replay after a fix.

Read from the dead-letter stream on NATS (`bastion.workers.dead_letters`), the
same as `bastion dlq list|replay`; every replay is audited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from nats.js import JetStreamContext

from bastion.review.accounts import Permission, can
from bastion.settings import Settings
from bastion.web.auth import check_csrf, csrf_token, require
from bastion.web.routes import templates
from bastion.workers.dead_letters import dead_letters, replay
from bastion.workers.stream import StreamNames, StreamUnavailable, connect

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str | None, Form()]
T = TypeVar("T")
_SHOWN = 200


def _back(request: Request, flash: str) -> RedirectResponse:
    request.session["flash"] = flash
    return RedirectResponse("/admin/dead-letters", status_code=303)


@router.get("/admin/dead-letters")
async def dead_letters_page(request: Request) -> HTMLResponse:
    user = require(request, Permission.MANAGE_STREAM)
    settings: Settings = request.app.state.settings
    problem = None
    try:
        letters = await _on_stream(settings, lambda js, names: dead_letters(js, names, _SHOWN))
    except StreamUnavailable as error:
        letters, problem = [], str(error)
    context = {
        "user": user,
        "csrf": csrf_token(request),
        "can": (lambda p: can(user.role, p)),
        "P": Permission,
        "flash": request.session.pop("flash", None),
        "letters": letters,
        "problem": problem,
        "stream": settings.nats_stream,
    }
    return templates.TemplateResponse(request, "dead_letters.html", context)


@router.post("/admin/dead-letters/{seq}/replay")
async def replay_dead_letter(request: Request, seq: int, csrf: Csrf = None) -> RedirectResponse:
    check_csrf(request, csrf)
    user = require(request, Permission.MANAGE_STREAM)
    settings: Settings = request.app.state.settings
    try:
        done = await _on_stream(settings, lambda js, names: replay(js, names, [seq]))
    except StreamUnavailable as error:
        return _back(request, str(error))
    if not done:
        return _back(request, f"There is no dead letter {seq} (replayed already?).")
    with request.app.state.db.transaction() as tx:
        actor = f"user:{user.username}"
        tx.audit.append(
            action="dlq.replay", subject=f"stream:{settings.nats_stream}", actor=actor, payload={"seq": seq}
        )
    return _back(request, f"Dead letter {seq} is back on the stream: a worker checks it again.")


async def _on_stream(settings: Settings, work: Callable[[JetStreamContext, StreamNames], Awaitable[T]]) -> T:
    """Run `work` on the configured stream; it creates nothing (a stream never created has no dead letters)."""
    nc = await connect(settings)
    try:
        return await work(nc.jetstream(), StreamNames.of(settings))
    finally:
        await nc.close()
