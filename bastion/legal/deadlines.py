"""Working an order's clock: pauses (TCO Art 3(7), 3(8)), resumes, closing it when access is disabled or the
order cannot be executed, and the periodic step (`tick`) that notes the platform's acknowledgements and raises
alerts before each deadline. Every transition is stored with its time and audited; `now` is always passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bastion.actions.outbox import enqueue_action
from bastion.legal.clock import Clock, ClockError, ClockState, Transition
from bastion.legal.orders import DEFAULT_KEEP, OrderRefused, order_rules
from bastion.legal.preservation import count_from_removal
from bastion.legal.reasons import release_held
from bastion.settings import Settings
from bastion.store.models.orders import OrderRow
from bastion.store.transaction import Transaction

PAUSES = {"impossibility": ClockState.PAUSED_IMPOSSIBILITY, "clarification": ClockState.PAUSED_CLARIFICATION}


@dataclass(frozen=True)
class TickReport:
    disabled: int  # items the platform acknowledged
    closed: int  # orders whose clock stopped
    alerts: int  # alerts raised
    released: int = 0  # statements of reasons sent once their non-disclosure decision lapsed (TCO Art 11(3))


def clock_of(tx: Transaction, order: OrderRow, settings: Settings) -> Clock:
    """The order's clock rebuilt from its stored transitions."""
    _, rules = order_rules(settings, order.regime)
    history = tuple(Transition(ClockState(e.state), e.at) for e in tx.orders.clock_events(order.id))
    return Clock(rules.deadline, rules.restart_on_resume, history)


def an_order(tx: Transaction, order_id: int) -> OrderRow:
    order = tx.orders.get(order_id)
    if order is None:
        raise OrderRefused(404, "no_such_order", f"no order {order_id}")
    return order


def pause(
    tx: Transaction, order_id: int, ground: str, explanation: str, now: datetime, actor: str, settings: Settings
) -> OrderRow:
    """Stop the clock because the order cannot be complied with (Art 3(7)) or needs clarification (Art 3(8))."""
    order = an_order(tx, order_id)
    _, rules = order_rules(settings, order.regime)
    if ground not in rules.pause_grounds or ground not in PAUSES:
        raise OrderRefused(422, "invalid_pause", f"a pause's ground is one of {', '.join(rules.pause_grounds)}")
    if not explanation.strip():
        raise OrderRefused(422, "invalid_pause", "explain why (it goes into the Annex III answer)")
    basis = rules.pause_grounds[ground]
    return _move(tx, order, PAUSES[ground], now, actor, explanation.strip(), settings, {"basis": basis})


def resume(tx: Transaction, order_id: int, note: str, now: datetime, actor: str, settings: Settings) -> OrderRow:
    """The ground has ceased or the clarification has arrived: the clock runs again (alerts start afresh)."""
    order = an_order(tx, order_id)
    moved = _move(tx, order, ClockState.RUNNING, now, actor, note.strip() or "resumed", settings)
    moved.alerts_sent = []
    return moved


def not_executed(
    tx: Transaction, order_id: int, reason: str, note: str, now: datetime, actor: str, settings: Settings
) -> OrderRow:
    """Close an order that will not be executed, with the reason a transparency report counts (Art 7(3)(c))."""
    order = an_order(tx, order_id)
    _, rules = order_rules(settings, order.regime)
    if reason not in rules.not_executed_reasons:
        raise OrderRefused(422, "invalid_reason", f"a reason is one of {', '.join(rules.not_executed_reasons)}")
    order.not_executed = reason
    return _move(tx, order, ClockState.NOT_EXECUTED, now, actor, note.strip() or reason, settings, {"reason": reason})


def confirm_disabled(
    tx: Transaction, order_id: int, at: datetime, note: str, now: datetime, actor: str, settings: Settings
) -> OrderRow:
    """A legal officer records that access was disabled at `at` by other means than Bastion's actions."""
    if at > now:
        raise OrderRefused(422, "invalid_time", "access cannot have been disabled in the future")
    order = an_order(tx, order_id)
    return _close_done(tx, order, at, actor, note.strip() or "confirmed by a legal officer", settings)


def sync_disablements(tx: Transaction, settings: Settings) -> tuple[int, int]:
    """Note every action the platform has acknowledged: the item's access is disabled then; an order whose items
    are all disabled stops its clock at the last acknowledgement. (items, orders closed)"""
    touched: dict[int, OrderRow] = {}
    acknowledged = tx.orders.pending_disablements()
    for target, at in acknowledged:
        target.disabled_at = at
        order = an_order(tx, target.order_id)
        touched[order.id] = order
        data, _ = order_rules(settings, order.regime)
        for hold in tx.holds.of_order(order.id):
            if hold.item_id == target.item_id:
                count_from_removal(tx, hold, at, data.keep_for or DEFAULT_KEEP)
        payload = {"item": target.item_id, "disabled_at": at.isoformat(), "found_by": target.found_by}
        tx.audit.append(
            action="order.item_disabled", subject=f"order:{order.id}", actor="system", payload=payload, at=at
        )
    closed = 0
    for order in touched.values():
        targets = [t for t in tx.orders.targets(order.id) if t.item_id]
        if ClockState(order.clock).closed or any(t.disabled_at is None for t in targets):
            continue
        acted = max(t.disabled_at for t in targets if t.disabled_at is not None)
        _close_done(tx, order, acted, "system", "every item disabled", settings)
        closed += 1
    return len(acknowledged), closed


def raise_alerts(tx: Transaction, now: datetime, settings: Settings) -> int:
    """An alert when a running order's deadline is nearer than each configured point (and when it has passed):
    an audit record, and an `order_alert` action for the platform's webhook. Each point once per running spell."""
    raised = 0
    for order in tx.orders.open_orders():
        if order.clock != ClockState.RUNNING.value or order.deadline_at is None:
            continue
        _, rules = order_rules(settings, order.regime)
        left = order.deadline_at - now
        crossed = [_minutes(p) for p in rules.alerts_before if left <= p and _minutes(p) not in order.alerts_sent]
        if not crossed:
            continue
        order.alerts_sent = sorted({*order.alerts_sent, *crossed})
        _alert(tx, order, min(crossed), left, now)
        raised += 1
    return raised


def tick(tx: Transaction, now: datetime, settings: Settings) -> TickReport:
    """One periodic step: acknowledgements first (an order acted on raises no alert), then alerts, then the
    statements of reasons whose non-disclosure decision has lapsed."""
    disabled, closed = sync_disablements(tx, settings)
    return TickReport(disabled, closed, raise_alerts(tx, now, settings), release_held(tx, now))


def _alert(tx: Transaction, order: OrderRow, minutes: int, left: timedelta, now: datetime) -> None:
    deadline = order.deadline_at.isoformat() if order.deadline_at else None
    payload = {"minutes_before": minutes, "seconds_left": int(left.total_seconds()), "deadline": deadline}
    payload |= {"reference": order.reference, "overdue": left <= timedelta()}
    tx.audit.append(action="order.alert", subject=f"order:{order.id}", actor="system", payload=payload, at=now)
    pending = next((t for t in tx.orders.targets(order.id) if t.item_id and t.disabled_at is None), None)
    if pending is not None and pending.item_id is not None:
        enqueue_action(tx, order.platform, pending.item_id, "order_alert", {"order_id": order.id, **payload}, now)


def _minutes(point: timedelta) -> int:
    return int(point.total_seconds() // 60)


def _close_done(tx: Transaction, order: OrderRow, at: datetime, actor: str, note: str, settings: Settings) -> OrderRow:
    clock = clock_of(tx, order, settings)
    when = max(at, clock.history[-1].at)  # an acknowledgement older than a pause recorded meanwhile
    order.acted_at = at
    return _move(tx, order, ClockState.DONE, when, actor, note, settings)


def _move(
    tx: Transaction,
    order: OrderRow,
    state: ClockState,
    at: datetime,
    actor: str,
    note: str,
    settings: Settings,
    extra: dict[str, str] | None = None,
) -> OrderRow:
    try:
        clock = clock_of(tx, order, settings).moved(state, at)
    except ClockError as error:
        raise OrderRefused(409, "clock_refused", str(error)) from None
    order.clock, order.deadline_at = state.value, clock.deadline()
    if state.closed:
        order.seconds_to_act = int(clock.running_time(at).total_seconds()) if state is ClockState.DONE else None
        order.late = clock.late(at) if state is ClockState.DONE else None
    tx.orders.add_clock_event(order.id, state.value, at, actor, note)
    payload: dict[str, Any] = {"state": state.value}
    payload |= {"deadline": order.deadline_at.isoformat() if order.deadline_at else None}
    payload |= {"note": note, **(extra or {})}
    if state is ClockState.DONE:
        payload |= {"acted_at": order.acted_at.isoformat() if order.acted_at else None, "late": bool(order.late)}
        payload |= {"seconds_to_act": order.seconds_to_act}
    tx.audit.append(action="order.clock", subject=f"order:{order.id}", actor=actor, payload=payload, at=at)
    return order
