"""Removal orders in the web UI (TCO Art 3-4, 6): a legal officer records an order, watches its clock, pauses
and resumes it, downloads the Annex II and III documents, asks for scrutiny, and opens preserved material.

Only `legal` and `admin` reach these pages (`Permission.MANAGE_ORDERS`, `Permission.OPEN_PRESERVED`),
checked on the server for every route; every opening of preserved material is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from bastion.api.errors import field_errors
from bastion.api.orders import now_of, order_json
from bastion.legal.cross_border import record_scrutiny, request_scrutiny, scrutiny_deadline
from bastion.legal.deadlines import an_order, confirm_disabled, not_executed, pause, resume
from bastion.legal.documents import FORMATS, annex_ii, annex_iii, render
from bastion.legal.order_form import Locator, OrderForm
from bastion.legal.orders import OrderRefused, Sender, order_rules, receive_order
from bastion.legal.preservation import PreservationError, extend_hold, open_material, preserved_media
from bastion.legal.regimes import regime_files
from bastion.review.accounts import Permission
from bastion.store.models.review import UserRow
from bastion.web.auth import check_csrf, require
from bastion.web.routes import page

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]
Csrf = Annotated[str | None, Form()]
DOCUMENTS = {"annex-ii": annex_ii, "annex-iii": annex_iii}


def _back(request: Request, url: str, flash: str) -> RedirectResponse:
    request.session["flash"] = flash
    return RedirectResponse(url, status_code=303)


def _missing(request: Request, user: UserRow, what: str) -> HTMLResponse:
    return page(request, "error.html", user, 404, message=f"No {what}.")


@router.get("/legal/orders")
def orders_page(request: Request) -> HTMLResponse:
    user = require(request, Permission.MANAGE_ORDERS)
    with request.app.state.db.snapshot() as tx:
        orders = tx.orders.newest()
    return page(request, "orders.html", user, orders=orders, now=now_of(request))


@router.get("/legal/orders/new")
def order_form_page(request: Request) -> HTMLResponse:
    user = require(request, Permission.MANAGE_ORDERS)
    return _form_page(request, user, {}, None)


def _form_page(
    request: Request, user: UserRow, values: dict[str, str], error: str | None, status: int = 200
) -> HTMLResponse:
    settings = request.app.state.settings
    regimes = {name: data for name, data in regime_files(settings.regimes_dir).items() if data.orders}
    return page(request, "order_new.html", user, status, values=values, error=error, regimes=regimes)


@router.post("/legal/orders")
async def record_order(request: Request) -> Response:
    """A legal officer records an order received by another channel (e-mail, PERCI): the receipt time is theirs."""
    form_data = await request.form()
    values = {key: str(value) for key, value in form_data.items() if isinstance(value, str)}
    check_csrf(request, values.get("csrf"))
    user = require(request, Permission.MANAGE_ORDERS)
    grounds = [str(g) for g in form_data.getlist("grounds")]
    try:
        form = _order_form(values, grounds)
        received = form.received_at or now_of(request)
        sender = Sender(f"user:{user.username}", form.issuing_authority or "", form.issuing_state or "")
        with request.app.state.db.transaction() as tx:
            order = receive_order(tx, form, sender, received, request.app.state.settings)
    except ValidationError as error:
        problems = "; ".join(f"{d['field']}: {d['problem']}" for d in field_errors(error))
        return _form_page(request, user, values, problems, 422)
    except OrderRefused as refused:
        return _form_page(request, user, values, refused.message, refused.status)
    _wake(request)
    return _back(request, f"/legal/orders/{order.id}", f"Order {order.reference} recorded; its clock runs.")


def _order_form(values: dict[str, str], grounds: list[str]) -> OrderForm:
    lines = [line.strip() for line in values.get("targets", "").splitlines() if line.strip()]
    targets = [Locator(url=line) if "://" in line else Locator(item_id=line) for line in lines]
    optional = {k: values[k] for k in ("received_at", "non_disclosure_until") if values.get(k)}
    return OrderForm.model_validate(
        {
            "regime": values.get("regime") or "eu-tco",
            "platform": values.get("platform", ""),
            "reference": values.get("reference", ""),
            "issuing_state": values.get("issuing_state", "").strip().upper(),
            "issuing_authority": values.get("issuing_authority", "").strip() or None,
            "issued_at": values.get("issued_at", ""),
            "targets": targets,
            "grounds": grounds,
            "reasons": values.get("reasons", ""),
            "redress": values.get("redress", ""),
            "action": values.get("action") or "remove",
            **optional,
        }
    )


@router.get("/legal/orders/{order_id}")
def order_page(request: Request, order_id: int) -> HTMLResponse:
    user = require(request, Permission.MANAGE_ORDERS)
    settings = request.app.state.settings
    with request.app.state.db.snapshot() as tx:
        order = tx.orders.get(order_id)
        if order is None:
            return _missing(request, user, f"order {order_id}")
        body = order_json(tx, order, settings)
        history = tx.orders.history(order_id)
        holds = tx.holds.of_order(order_id)
        _, rules = order_rules(settings, order.regime)
    alerts = [record for record in history if record.action == "order.alert"]
    context = {"order": order, "o": body, "alerts": alerts, "history": history, "holds": holds, "rules": rules}
    context |= {"now": now_of(request), "window": scrutiny_deadline(order, settings)}
    return page(request, "order.html", user, **context)


@router.post("/legal/orders/{order_id}/clock")
def order_clock(
    request: Request,
    order_id: int,
    step: Text,
    ground: Text = "",
    note: Text = "",
    at: Text = "",
    csrf: Csrf = None,
) -> Response:
    """pause (ground, note), resume, not_executed (ground as the reason), or disabled (at: when access went)."""
    check_csrf(request, csrf)
    user = require(request, Permission.MANAGE_ORDERS)
    settings, now, actor = request.app.state.settings, now_of(request), f"user:{user.username}"
    try:
        with request.app.state.db.transaction() as tx:
            if step == "pause":
                pause(tx, order_id, ground, note, now, actor, settings)
            elif step == "resume":
                resume(tx, order_id, note, now, actor, settings)
            elif step == "not_executed":
                not_executed(tx, order_id, ground, note, now, actor, settings)
            elif step == "disabled":
                confirm_disabled(tx, order_id, _utc(at) if at else now, note, now, actor, settings)
            else:
                raise OrderRefused(422, "invalid_step", f"unknown step {step!r}")
    except (OrderRefused, ValueError) as refused:
        return _refused(request, user, order_id, refused)
    return _back(request, f"/legal/orders/{order_id}", f"Clock: {step.replace('_', ' ')} recorded.")


@router.post("/legal/orders/{order_id}/scrutiny")
def order_scrutiny(
    request: Request, order_id: int, step: Text, outcome: Text = "", note: Text = "", csrf: Csrf = None
) -> Response:
    """request (note: the reasons), or decision (outcome: upheld or infringes, which reinstates)."""
    check_csrf(request, csrf)
    user = require(request, Permission.MANAGE_ORDERS)
    settings, now, actor = request.app.state.settings, now_of(request), f"user:{user.username}"
    try:
        with request.app.state.db.transaction() as tx:
            if step == "request":
                request_scrutiny(tx, order_id, note, now, actor, settings)
            else:
                record_scrutiny(tx, order_id, outcome, note, now, actor, settings)
    except OrderRefused as refused:
        return _refused(request, user, order_id, refused)
    _wake(request)
    return _back(request, f"/legal/orders/{order_id}", "Scrutiny recorded.")


@router.get("/legal/orders/{order_id}/documents/{name}")
def order_document(request: Request, order_id: int, name: str) -> Response:
    """`annex-ii.txt`, `annex-iii.html`, ...: the answer to send the authority, downloaded (and audited)."""
    user = require(request, Permission.MANAGE_ORDERS)
    which, _, fmt = name.partition(".")
    if which not in DOCUMENTS or fmt not in FORMATS:
        return _missing(request, user, f"document {name}")
    try:
        with request.app.state.db.transaction() as tx:
            document = DOCUMENTS[which](tx, an_order(tx, order_id))
            payload = {"document": which, "format": fmt}
            tx.audit.append(
                action="order.document",
                subject=f"order:{order_id}",
                actor=f"user:{user.username}",
                payload=payload,
                at=now_of(request),
            )
    except OrderRefused as refused:
        return _refused(request, user, order_id, refused)
    headers = {"Content-Disposition": f'attachment; filename="order-{order_id}-{name}"', "Cache-Control": "no-store"}
    return Response(render(document, fmt), media_type=FORMATS[fmt], headers=headers)


def _refused(request: Request, user: UserRow, order_id: int, refused: Exception) -> Response:
    if isinstance(refused, OrderRefused) and refused.status == 404:
        return _missing(request, user, f"order {order_id}")
    message = refused.message if isinstance(refused, OrderRefused) else str(refused)
    return _back(request, f"/legal/orders/{order_id}", message)


@router.get("/legal/preserved/{hold_id}")
def preserved_page(request: Request, hold_id: int) -> Response:
    user, hold = _open(request, hold_id, "material")
    if hold is None:
        return _missing(request, user, f"preserved material {hold_id}")
    return page(
        request,
        "preserved.html",
        user,
        hold=hold,
        has_media=preserved_media(request.app.state.settings.data_dir, hold) is not None,
    )


@router.get("/legal/preserved/{hold_id}/material.json")
def preserved_json(request: Request, hold_id: int) -> Response:
    """The preserved copy as JSON, for a legal officer's tools or an authority's request."""
    _, hold = _open(request, hold_id, "json")
    if hold is None:
        return JSONResponse({"error": "no_such_hold", "message": f"no preserved material {hold_id}"}, status_code=404)
    body = {
        "hold": hold.id,
        "item": f"{hold.platform}/{hold.item_id}",
        "basis": hold.basis,
        "held_at": hold.held_at.isoformat(),
    }
    body |= {"keep_until": hold.keep_until.isoformat(), "material": hold.material}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/legal/preserved/{hold_id}/media")
def preserved_file(request: Request, hold_id: int) -> Response:
    _, hold = _open(request, hold_id, "media")
    path = preserved_media(request.app.state.settings.data_dir, hold) if hold else None
    if path is None:
        return Response(status_code=404)
    return FileResponse(path, headers={"Cache-Control": "private, no-store"})


@router.post("/legal/preserved/{hold_id}/extend")
def preserved_extend(request: Request, hold_id: int, until: Text, note: Text = "", csrf: Csrf = None) -> Response:
    check_csrf(request, csrf)
    user = require(request, Permission.OPEN_PRESERVED)
    try:
        with request.app.state.db.transaction() as tx:
            hold = extend_hold(tx, hold_id, _utc(until), now_of(request), f"user:{user.username}", note)
            back = f"/legal/orders/{hold.order_id}" if hold.order_id else "/legal/orders"
    except PreservationError as error:
        if error.status == 404:
            return _missing(request, user, f"preserved material {hold_id}")
        return _back(request, "/legal/orders", str(error))
    except ValueError as error:
        return _back(request, "/legal/orders", f"until: {error}")
    return _back(request, back, f"Preservation extended to {until}.")


def _open(request: Request, hold_id: int, part: str) -> tuple[UserRow, Any]:
    """The role first (403 for any other), then the hold, opened and audited in one transaction."""
    user = require(request, Permission.OPEN_PRESERVED)
    try:
        with request.app.state.db.transaction() as tx:
            return user, open_material(tx, hold_id, user.username, user.role, part, now_of(request))
    except PreservationError:
        return user, None


def _utc(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _wake(request: Request) -> None:
    if request.app.state.delivery is not None:
        request.app.state.delivery.wake()
