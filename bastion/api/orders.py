"""`POST /v1/orders` and `GET /v1/orders/{id}`: a competent authority's removal orders (TCO Art 3), sent with
the authority's own credential. The time of receipt is the server's and starts the one-hour clock; the answer
carries the order's state, and once access is disabled the Annex II feedback with the time of removal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from bastion.api.auth import require_authority
from bastion.api.errors import BadRequest
from bastion.api.params import RowId
from bastion.core import utcnow
from bastion.legal.cross_border import scrutiny_deadline
from bastion.legal.documents import annex_ii
from bastion.legal.order_form import OrderForm
from bastion.legal.orders import OrderRefused, Sender, receive_order
from bastion.settings import Settings
from bastion.store.authorities import AuthorityGrant
from bastion.store.models.orders import OrderRow
from bastion.store.transaction import Transaction

router = APIRouter(tags=["orders"])
Authority = Annotated[AuthorityGrant, Depends(require_authority)]


def now_of(request: Request) -> datetime:
    """The app's clock: `app.state.now` when a test injects one, else the wall clock."""
    clock: Callable[[], datetime] = getattr(request.app.state, "now", utcnow)
    return clock()


@router.post("/v1/orders", status_code=201, summary="Send a removal order (TCO Art 3, Annex I)")
def submit_order(request: Request, form: OrderForm, authority: Authority) -> JSONResponse:
    """The issuing authority and Member State are the credential's; `received_at` is the server's time."""
    settings: Settings = request.app.state.settings
    sender = Sender(f"authority:{authority.name}", authority.name, authority.member_state, authority.id)
    received = now_of(request)
    try:
        with request.app.state.db.transaction() as tx:
            order = receive_order(tx, form, sender, received, settings)
            body = order_json(tx, order, settings)
    except OrderRefused as refused:
        raise BadRequest(refused.status, refused.error, refused.message, refused.details) from None
    if request.app.state.delivery is not None:
        request.app.state.delivery.wake()  # the platform hears of it now, not at the next interval
    return JSONResponse(body, status_code=201, headers={"Location": f"/v1/orders/{order.id}"})


@router.get("/v1/orders/{order_id}", summary="An order's state and, once acted on, its Annex II feedback")
def get_order(request: Request, order_id: RowId, authority: Authority) -> dict[str, Any]:
    with request.app.state.db.snapshot() as tx:
        order = tx.orders.get(order_id)
        if order is None or order.authority_id != authority.id:  # another authority's order does not exist to it
            raise BadRequest(404, "no_such_order", f"no order {order_id} from {authority.name}")
        return order_json(tx, order, request.app.state.settings)


def order_json(tx: Transaction, order: OrderRow, settings: Settings) -> dict[str, Any]:
    window = scrutiny_deadline(order, settings)
    body: dict[str, Any] = {
        "id": order.id,
        "reference": order.reference,
        "regime": order.regime,
        "platform": order.platform,
        "issuing_authority": order.issuing_authority,
        "issuing_state": order.issuing_state,
        "issued_at": order.issued_at.isoformat(),
        "received_at": order.received_at.isoformat(),
        "action": order.action,
        "grounds": order.grounds,
        "clock": order.clock,
        "deadline": _iso(order.deadline_at),
        "acted_at": _iso(order.acted_at),
        "seconds_to_act": order.seconds_to_act,
        "late": order.late,
        "not_executed": order.not_executed,
        "non_disclosure_until": _iso(order.non_disclosure_until),
        "cross_border": order.cross_border,
        "scrutiny": {
            "window_closes": _iso(window),
            "requested_at": _iso(order.scrutiny_requested_at),
            "outcome": order.scrutiny_outcome,
        },
        "targets": [
            {
                "locator": t.locator,
                "item_id": t.item_id,
                "found_by": t.found_by,
                "disabled_at": _iso(t.disabled_at),
                "reinstated_at": _iso(t.reinstated_at),
            }
            for t in tx.orders.targets(order.id)
        ],
        "clock_history": [
            {"state": e.state, "at": e.at.isoformat(), "note": e.reason} for e in tx.orders.clock_events(order.id)
        ],
    }
    if order.clock == "done":
        body["confirmation"] = annex_ii(tx, order)
    return body


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
