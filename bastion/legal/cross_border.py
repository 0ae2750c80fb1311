"""Cross-border orders (TCO Art 4): an order issued by an authority of another Member State than the platform's
main establishment (the `main_establishment` setting) is still carried out within the hour, but the platform
may ask its home authority to scrutinise it within the regime's window (48 hours, Art 4(4); unconfirmed, so it
is data), and when the order is found to infringe the Regulation the content is reinstated at once
(Art 4(7)), through the same action path that disabled it (`restore`).
"""

from __future__ import annotations

from datetime import datetime

from bastion.actions.outbox import enqueue_action
from bastion.legal.deadlines import an_order
from bastion.legal.orders import OrderRefused, order_rules
from bastion.settings import Settings
from bastion.store.items import item_subject
from bastion.store.models.orders import OrderRow
from bastion.store.transaction import Transaction

OUTCOMES = ("upheld", "infringes")


def scrutiny_deadline(order: OrderRow, settings: Settings) -> datetime | None:
    """Until when the platform may ask for scrutiny; None when the order is not cross-border."""
    _, rules = order_rules(settings, order.regime)
    if not order.cross_border or rules.scrutiny_window is None:
        return None
    return order.received_at + rules.scrutiny_window


def request_scrutiny(
    tx: Transaction, order_id: int, reasons: str, now: datetime, actor: str, settings: Settings
) -> OrderRow:
    """Record the platform's reasoned request for scrutiny (Art 4(4)); the platform sends it to its authority."""
    order = an_order(tx, order_id)
    until = scrutiny_deadline(order, settings)
    if until is None:
        raise OrderRefused(409, "not_cross_border", "only a cross-border order (Art 4) can be sent for scrutiny")
    if order.scrutiny_requested_at is not None:
        raise OrderRefused(409, "scrutiny_requested", f"scrutiny was requested on {order.scrutiny_requested_at}")
    if now > until:
        raise OrderRefused(409, "scrutiny_too_late", f"the window for a scrutiny request closed at {until.isoformat()}")
    if not reasons.strip():
        raise OrderRefused(422, "invalid_scrutiny", "a request for scrutiny must give its reasons")
    order.scrutiny_requested_at = now
    payload = {"reasons": reasons.strip(), "window_closes": until.isoformat()}
    tx.audit.append(action="order.scrutiny_request", subject=f"order:{order.id}", actor=actor, payload=payload, at=now)
    return order


def record_scrutiny(
    tx: Transaction, order_id: int, outcome: str, note: str, now: datetime, actor: str, settings: Settings
) -> OrderRow:
    """The home authority's decision (Art 4(3)-(5)); when the order infringes, every item it disabled is restored."""
    order = an_order(tx, order_id)
    if not order.cross_border:
        raise OrderRefused(409, "not_cross_border", "only a cross-border order (Art 4) is scrutinised")
    if outcome not in OUTCOMES:
        raise OrderRefused(422, "invalid_outcome", f"an outcome is one of {', '.join(OUTCOMES)}")
    if order.scrutiny_outcome is not None:
        raise OrderRefused(409, "scrutiny_decided", f"the scrutiny was decided already: {order.scrutiny_outcome}")
    order.scrutiny_outcome = outcome
    payload = {"outcome": outcome, "note": note.strip()}
    tx.audit.append(action="order.scrutiny_decision", subject=f"order:{order.id}", actor=actor, payload=payload, at=now)
    if outcome == "infringes":
        reinstate(tx, order, now, actor)
    return order


def reinstate(tx: Transaction, order: OrderRow, now: datetime, actor: str) -> int:
    """Restore every item the order disabled or asked to disable (Art 4(7)); returns how many."""
    restored = 0
    for target in tx.orders.targets(order.id):
        if target.item_id is None or target.outbox_id is None or target.reinstated_at is not None:
            continue
        details = {"order": order.reference, "order_id": order.id, "basis": "Regulation (EU) 2021/784, Art. 4(7)"}
        enqueue_action(tx, order.platform, target.item_id, "restore", details, now)
        target.reinstated_at = now
        payload = {"order": order.id, "cause": "cross_border_scrutiny"}
        tx.audit.append(
            action="order.reinstate",
            subject=item_subject(order.platform, target.item_id),
            actor=actor,
            payload=payload,
            at=now,
        )
        restored += 1
    return restored
