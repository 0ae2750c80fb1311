"""The moderator's web UI: /login, /queue, /cases/{id}, /dashboard, /admin, /audit.

Server-rendered pages; htmx only adds partial updates. Every POST carries a
CSRF token; every page checks the role through `bastion.review.accounts`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bastion.actors.policy import load_conduct_policy
from bastion.core import VIOLATING, Category, utcnow
from bastion.learning.estimates import PRODUCTION_WINDOW, production_figures
from bastion.learning.labels import policy_version_in_force
from bastion.review.accounts import (
    AccountError,
    Permission,
    Role,
    can,
    create_user,
    role_label,
    set_active,
    set_role,
    set_wellbeing,
)
from bastion.review.automatic import automatic_action
from bastion.review.cases import AppealOutcome, Decision, ReviewError, claim, decide, decide_appeal
from bastion.review.queue import QueueFilter, may_see, needed_to_work, queue
from bastion.review.reports import PRESSURE_WINDOW, Pressure, trust_of
from bastion.store.case_view import CaseView
from bastion.store.models.core import CaseRow
from bastion.store.models.review import UserRow
from bastion.store.transaction import Transaction
from bastion.web.auth import Forbidden, LoginRefused, check_csrf, csrf_token, current_user, log_in, log_out, require
from bastion.web.highlight import highlighted
from bastion.web.stats import dashboard as dashboard_figures
from bastion.web.symbols import symbol_evidence

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
Csrf = Annotated[str | None, Form()]


def page(request: Request, name: str, user: UserRow | None, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of the web UI with what every template needs: the user, the CSRF token, permissions, the flash."""
    context |= {
        "user": user,
        "csrf": csrf_token(request),
        "can": (lambda p: user is not None and can(user.role, p)),
        "P": Permission,
        "flash": request.session.pop("flash", None),
    }
    return templates.TemplateResponse(request, name, context, status_code=status)


def _redirect(url: str, flash: str | None = None, request: Request | None = None) -> RedirectResponse:
    if flash and request is not None:
        request.session["flash"] = flash
    return RedirectResponse(url, status_code=303)


@router.get("/")
def home() -> RedirectResponse:
    return _redirect("/queue")


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    return page(request, "login.html", None)


@router.post("/login")
def login(
    request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()], csrf: Csrf = None
) -> Response:
    """Sync on purpose: argon2 runs in the threadpool, never on the event loop (see `log_in`)."""
    check_csrf(request, csrf)
    try:
        log_in(request, username, password)
    except LoginRefused as refused:
        return page(request, "login.html", None, refused.status, error=refused.message)
    return _redirect("/queue")


@router.post("/logout")
def logout(request: Request, csrf: Csrf = None) -> RedirectResponse:
    check_csrf(request, csrf)
    log_out(request)
    return _redirect("/login")


@router.get("/queue")
def queue_page(
    request: Request,
    category: str = "",
    lang: str = "",
    source: str = "",
    bank: str = "",
    rule: str = "",
    older_than_hours: float | None = None,
) -> HTMLResponse:
    user = require(request, Permission.VIEW_QUEUE)
    filters = QueueFilter(category or None, lang or None, source or None, bank or None, rule or None, older_than_hours)
    with request.app.state.db.snapshot() as tx:
        entries = queue(tx, user, filters, utcnow())
        banks = tx.cases.bank_names()
    return page(
        request,
        "queue.html",
        user,
        entries=entries,
        filters=filters,
        categories=list(Category),
        banks=banks,
        now=utcnow(),
    )


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int) -> HTMLResponse:
    user = require(request, Permission.VIEW_QUEUE)
    with request.app.state.db.snapshot() as tx:
        view = tx.cases.case_view(case_id, utcnow() - PRESSURE_WINDOW)
        actors = tx.actors.of_item(view.case.platform, view.case.item_id) if view else []
        about = tx.conduct.actor_case(case_id)
        if about is not None:
            actors = [(tx.actors.get(about.actor_id), about.reason), *actors]
        symbols = symbol_evidence(tx, view.item) if view is not None else {}
    if view is None:
        return page(request, "error.html", user, 404, message=f"No case {case_id}.")
    _check_sees(view.case, user)
    context = _case_context(view, user) | symbols
    if view.item.media:
        _count_exposure(request, case_id)
    exposure = int(request.session.get("exposure", 0))
    context |= {"actors": actors, "about": about}
    return page(request, "case.html", user, exposure=exposure, suggest_break=exposure >= user.break_after, **context)


def _check_sees(case: CaseRow | None, user: UserRow) -> None:
    """Refuse a case the queue would not show this user, whatever the route: its page, claim, decision, media.

    The refusal is the 403 page naming the roles that may (not a 404): case ids are sequential and a moderator
    who escalated a case knows it exists, so hiding it would only confuse; what the page withholds is its content.
    """
    if case is not None and not may_see(case, user):
        raise Forbidden(needed_to_work(case)[0])


def _seen_case(tx: Transaction, case_id: int, user: UserRow) -> None:
    """`_check_sees` for a route that has only the case id (a missing case is left to the domain to report)."""
    _check_sees(tx.cases.get(case_id), user)


def _count_exposure(request: Request, case_id: int) -> None:
    """Count each item with media once per session: reloading a case is not seeing more."""
    seen = list(request.session.get("seen_media", []))
    if case_id not in seen:
        request.session["seen_media"] = [*seen, case_id][-200:]  # bounded: it lives in the cookie
        request.session["exposure"] = int(request.session.get("exposure", 0)) + 1


def _case_context(view: CaseView, user: UserRow) -> dict[str, Any]:
    """The case page's template context: the stored view, its highlighted text, and the decision form's choices."""
    signals = view.verdict.get("signals", [])
    ocr = next((s["evidence"].get("ocr_text") for s in signals if s.get("evidence", {}).get("ocr_text")), None)
    return {
        "case": view.case,
        "item": view.item,
        "verdict": view.verdict,
        "automatic": automatic_action(view.verdict),
        "segments": highlighted(view.item.text or "", signals, "text"),
        "ocr_segments": highlighted(ocr, signals, "ocr") if ocr else None,
        "prior": view.prior,
        "related": view.related,
        "reports": view.reports,
        "trust": {name: trust_of(record) for name, record in view.reporters.items()},
        "pressure": Pressure.of(view.pressure) if view.pressure else None,
        "decisions": view.decisions,
        "appeal": view.open_appeal,
        "violating": sorted(c.value for c in VIOLATING),
        "suggested": next((c for c in view.case.categories if Category(c).is_violating), "propaganda"),
        "banks": view.bankable,
        "mine": view.case.assignee == user.username,
    }


@router.post("/cases/{case_id}/claim")
def claim_case(request: Request, case_id: int, csrf: Csrf = None) -> Response:
    check_csrf(request, csrf)
    user = require(request, Permission.VIEW_QUEUE)
    try:
        with request.app.state.db.transaction() as tx:
            _seen_case(tx, case_id, user)
            claim(tx, case_id, user, utcnow())
    except ReviewError as error:
        return _redirect(f"/cases/{case_id}", str(error), request)
    return _redirect(f"/cases/{case_id}")


@router.post("/cases/{case_id}/decide")
def decide_case(
    request: Request,
    case_id: int,
    decision: Annotated[str, Form()],
    category: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    countries: Annotated[str, Form()] = "",
    add_to_bank: Annotated[str, Form()] = "",
    csrf: Csrf = None,
) -> Response:
    check_csrf(request, csrf)
    user = current_user(request)
    try:
        with request.app.state.db.transaction() as tx:
            _seen_case(tx, case_id, user)
            if decision in {o.value for o in AppealOutcome}:
                decide_appeal(tx, case_id, user, AppealOutcome(decision), utcnow(), note)
            else:
                decide(
                    tx,
                    case_id,
                    user,
                    Decision(decision),
                    utcnow(),
                    Category(category) if category else None,
                    note,
                    [c.strip().upper() for c in countries.split(",") if c.strip()],
                    add_to_bank or None,
                    policy_version_in_force(request.app.state.settings),
                    load_conduct_policy(request.app.state.settings.conduct_policy_file.expanduser()),
                )
    except (ReviewError, ValueError) as error:
        return _redirect(f"/cases/{case_id}", str(error), request)
    _wake_workers(request)
    return _redirect("/queue", f"Case {case_id}: {decision.replace('_', ' ')} recorded.", request)


def _wake_workers(request: Request) -> None:
    """A decision queues an action to deliver and may add bank entries to match against past items."""
    for worker in (request.app.state.delivery, request.app.state.retro):
        if worker is not None:
            worker.wake()


@router.get("/cases/{case_id}/media")
def media(request: Request, case_id: int) -> Response:
    """The case's item's preserved media, to whoever may see the case: a bare hash opens nothing."""
    user = require(request, Permission.VIEW_QUEUE)
    with request.app.state.db.snapshot() as tx:
        case = tx.cases.get(case_id)
        _check_sees(case, user)
        sha256 = str((tx.cases.media_of(case).get("hashes") or {}).get("sha256", "")) if case else ""
    path = request.app.state.settings.data_dir / "media" / sha256
    if not _SHA256.match(sha256) or not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, headers={"Cache-Control": "private, no-store"})


@router.get("/me")
def me_page(request: Request) -> HTMLResponse:
    user = current_user(request)
    return page(request, "me.html", user, exposure=int(request.session.get("exposure", 0)))


@router.post("/me")
def me_update(
    request: Request,
    break_after: Annotated[int, Form()],
    blur: Annotated[bool, Form()] = False,
    grayscale: Annotated[bool, Form()] = False,
    reset_exposure: Annotated[bool, Form()] = False,
    csrf: Csrf = None,
) -> Response:
    check_csrf(request, csrf)
    user = current_user(request)
    try:
        with request.app.state.db.transaction() as tx:
            set_wellbeing(tx, user.username, blur, grayscale, break_after)
    except AccountError as error:
        return _redirect("/me", str(error), request)
    if reset_exposure:  # after a break, the count starts again
        request.session["exposure"] = 0
        request.session["seen_media"] = []
    return _redirect("/me", "Saved.", request)


@router.get("/dashboard")
def dashboard_page(request: Request) -> HTMLResponse:
    user = require(request, Permission.VIEW_DASHBOARD)
    with request.app.state.db.snapshot() as tx:
        figures = dashboard_figures(tx, utcnow())
        production = production_figures(tx, utcnow() - PRODUCTION_WINDOW)
    return page(request, "dashboard.html", user, d=figures, production=production)


@router.get("/audit")
def audit_page(request: Request) -> HTMLResponse:
    user = require(request, Permission.VIEW_AUDIT)
    with request.app.state.db.snapshot() as tx:
        records = tx.audit.newest(100)
        total = tx.audit.count()
    return page(request, "audit.html", user, records=records, total=total)


@router.get("/admin")
def admin_page(request: Request) -> HTMLResponse:
    user = require(request, Permission.MANAGE_USERS)
    with request.app.state.db.snapshot() as tx:
        users = tx.users.all()
    return page(request, "admin.html", user, users=users, roles=list(Role), role_label=role_label)


@router.post("/admin/users")
def admin_create_user(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()],
    csrf: Csrf = None,
) -> Response:
    check_csrf(request, csrf)
    admin = require(request, Permission.MANAGE_USERS)
    try:
        with request.app.state.db.transaction() as tx:
            create_user(tx, username.strip().lower(), password, Role(role), f"user:{admin.username}")
    except (AccountError, ValueError) as error:
        return _redirect("/admin", str(error), request)
    return _redirect("/admin", f"User {username} created.", request)


@router.post("/admin/users/{username}/active")
def admin_set_active(request: Request, username: str, active: Annotated[bool, Form()], csrf: Csrf = None) -> Response:
    check_csrf(request, csrf)
    admin = require(request, Permission.MANAGE_USERS)
    try:
        with request.app.state.db.transaction() as tx:
            set_active(tx, username, active, f"user:{admin.username}")
    except AccountError as error:
        return _redirect("/admin", str(error), request)
    return _redirect("/admin")


@router.post("/admin/users/{username}/role")
def admin_set_role(request: Request, username: str, role: Annotated[str, Form()], csrf: Csrf = None) -> Response:
    """Give a user another role; their open sessions end (see `set_role`)."""
    check_csrf(request, csrf)
    admin = require(request, Permission.MANAGE_USERS)
    try:
        with request.app.state.db.transaction() as tx:
            set_role(tx, username, Role(role), f"user:{admin.username}")
    except (AccountError, ValueError) as error:
        return _redirect("/admin", str(error), request)
    return _redirect("/admin", f"{username} is now {role_label(role)}.", request)
