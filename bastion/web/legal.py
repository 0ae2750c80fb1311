"""Legal pages: the public notice form and its receipt (DSA Art 16), threats to life on a case (TCO Art 14(5),
DSA Art 18), and the transparency report (TCO Art 7, DSA Art 15 and 24).

The notice form needs no account: it is CSRF-protected like every form and
takes a limited number of notices per client address an hour. The other pages
check the role through `bastion.review.accounts`, like the moderators' pages.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bastion.core import utcnow
from bastion.legal.notice_status import notice_status
from bastion.legal.notices import IncompleteNotice, NoticeForm, NoticeRefused, NoticeType, receive_notice
from bastion.legal.threats import ThreatError, load_contacts, mark_threat, may_mark, record_referral
from bastion.legal.transparency import model_figures, transparency_report
from bastion.legal.transparency_render import as_csv, as_html, as_json
from bastion.review.accounts import Permission
from bastion.review.queue import may_see, needed_to_work
from bastion.store.models.review import UserRow
from bastion.web.auth import Forbidden, LoginRequired, check_csrf, current_user, require
from bastion.web.routes import page

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]


def _visitor(request: Request) -> UserRow | None:
    """The logged-in user, if any: the notice pages serve everyone and only show the header to moderators."""
    try:
        return current_user(request)
    except LoginRequired:
        return None


def _platforms(request: Request) -> list[str]:
    """The platforms a notice can be about: those with a live API key (the installation's platforms)."""
    with request.app.state.db.snapshot() as tx:
        return sorted({key.platform for key in tx.keys.list() if not key.revoked}) or ["local"]


@router.get("/notices/new")
def notice_form(request: Request) -> HTMLResponse:
    return _notice_page(request, NoticeForm("", ""), [], None)


def _notice_page(
    request: Request, form: NoticeForm, missing: list[Any], error: str | None, status: int = 200, platform: str = ""
) -> HTMLResponse:
    return page(
        request,
        "notice_new.html",
        _visitor(request),
        status,
        form=form,
        missing=missing,
        error=error,
        types=list(NoticeType),
        platforms=_platforms(request),
        platform=platform,
    )


@router.post("/notices")
def notice_submit(
    request: Request,
    notice_type: Text = "",
    explanation: Text = "",
    url: Text = "",
    item_id: Text = "",
    notifier_name: Text = "",
    notifier_email: Text = "",
    good_faith: Annotated[bool, Form()] = False,
    notifier_code: Text = "",
    platform: Text = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf)
    settings, service = request.app.state.settings, request.app.state.service
    form = NoticeForm(
        notice_type,
        explanation[:10_000],
        url[:2048],
        item_id[:256],
        notifier_name[:200],
        notifier_email[:320],
        good_faith,
        notifier_code[:200],
    )
    platforms = _platforms(request)
    chosen = platform if platform in platforms else platforms[0]
    try:
        receipt = receive_notice(
            request.app.state.db,
            lambda item: service.check([item], chosen),
            form,
            (chosen, "web"),
            utcnow(),
            min_explanation=settings.notice_min_explanation_chars,
            address=(request.client.host if request.client else "unknown")[:64],
            per_address=settings.notices_per_address_per_hour,
        )
    except IncompleteNotice as incomplete:
        return _notice_page(request, form, incomplete.missing, None, 422, chosen)
    except NoticeRefused as refused:
        return _notice_page(request, form, [], str(refused), refused.status, chosen)
    return RedirectResponse(f"/notices/{receipt.receipt}", status_code=303)


@router.get("/notices/{receipt}")
def notice_receipt(request: Request, receipt: str) -> HTMLResponse:
    """The receipt (Art 16(4)) and, once taken, the decision (Art 16(5)), to whoever holds the receipt's link."""
    with request.app.state.db.snapshot() as tx:
        notice = tx.notices.by_receipt(receipt)
        status = notice_status(tx, notice) if notice else None
    if status is None:
        return page(request, "error.html", _visitor(request), 404, message="No notice has this receipt.")
    return page(request, "notice_receipt.html", _visitor(request), notice=status)


@router.get("/cases/{case_id}/threat")
def threat_page(request: Request, case_id: int) -> HTMLResponse:
    user = require(request, Permission.VIEW_QUEUE)
    with request.app.state.db.snapshot() as tx:
        case = tx.cases.get(case_id)
        if case is None:
            return page(request, "error.html", user, 404, message=f"No case {case_id}.")
        if not may_see(case, user):
            raise Forbidden(needed_to_work(case)[0])
        threat = tx.threats.on_case(case_id)
        referrals = tx.threats.referrals(threat.id) if threat else []
    contacts = load_contacts(request.app.state.settings.threat_contacts)
    to_inform = contacts.to_inform(threat.countries) if threat else []
    return page(
        request,
        "threat.html",
        user,
        case=case,
        threat=threat,
        referrals=referrals,
        to_inform=to_inform,
        may_mark=may_mark(user),
    )


@router.post("/cases/{case_id}/threat")
def threat_mark(
    request: Request, case_id: int, countries: Text = "", note: Text = "", csrf: Annotated[str | None, Form()] = None
) -> Response:
    check_csrf(request, csrf)
    user = require(request, Permission.VIEW_QUEUE)
    try:
        with request.app.state.db.transaction() as tx:
            _check_sees(tx, case_id, user)
            mark_threat(tx, case_id, user, countries.replace(";", ",").split(","), note[:5000], utcnow())
    except ThreatError as error:
        return _refused(request, case_id, error)
    request.session["flash"] = f"Case {case_id} marked as an imminent threat to life: inform the authorities below."
    return RedirectResponse(f"/cases/{case_id}/threat", status_code=303)


@router.post("/cases/{case_id}/threat/referrals")
def threat_refer(
    request: Request,
    case_id: int,
    authority: Annotated[int, Form()],
    channel: Text = "",
    note: Text = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Record a referral to the `authority`-th contact shown on the threat page."""
    check_csrf(request, csrf)
    user = require(request, Permission.VIEW_QUEUE)
    contacts = load_contacts(request.app.state.settings.threat_contacts)
    try:
        with request.app.state.db.transaction() as tx:
            _check_sees(tx, case_id, user)
            threat = tx.threats.on_case(case_id)
            shown = contacts.to_inform(threat.countries if threat else [])
            if not 0 <= authority < len(shown):
                raise ThreatError("choose one of the authorities shown", 422)
            record_referral(tx, case_id, user, shown[authority], channel[:200], note[:5000], utcnow())
    except ThreatError as error:
        return _refused(request, case_id, error)
    request.session["flash"] = "Referral recorded."
    return RedirectResponse(f"/cases/{case_id}/threat", status_code=303)


def _check_sees(tx: Any, case_id: int, user: UserRow) -> None:
    case = tx.cases.get(case_id)
    if case is not None and not may_see(case, user):
        raise Forbidden(needed_to_work(case)[0])


def _refused(request: Request, case_id: int, error: ThreatError) -> Response:
    if error.status == 403:
        raise Forbidden(Permission.DECIDE)
    request.session["flash"] = str(error)
    return RedirectResponse(f"/cases/{case_id}/threat", status_code=303)


@router.get("/legal/report")
def report_page(request: Request, start: str = "", end: str = "", format: str = "html") -> Response:
    """The transparency report for [start, end] (days, both included; this year so far by default), or its export."""
    user = require(request, Permission.DECIDE_LEGAL)
    today = utcnow().date()
    try:
        first = date.fromisoformat(start) if start else date(today.year, 1, 1)
        last = date.fromisoformat(end) if end else today
    except ValueError:
        return page(request, "error.html", user, 422, message="Dates are YYYY-MM-DD.")
    if last < first:
        return page(request, "error.html", user, 422, message="The period ends before it starts.")
    with request.app.state.db.snapshot() as tx:
        report = transparency_report(
            tx,
            _midnight(first),
            _midnight(last) + timedelta(days=1),
            utcnow(),
            model_figures(request.app.state.settings.text_model_dir),
        )
    name = f"transparency-{first}-{last}"
    if format == "csv":
        return Response(as_csv(report), media_type="text/csv; charset=utf-8", headers=_attachment(f"{name}.csv"))
    if format == "json":
        body = json.dumps(as_json(report), indent=2)
        return Response(body, media_type="application/json", headers=_attachment(f"{name}.json"))
    return page(request, "transparency.html", user, body=as_html(report, standalone=False), first=first, last=last)


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
