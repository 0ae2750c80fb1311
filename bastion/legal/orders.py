"""Receiving a removal order (TCO Art 3): record it as Annex I carries it, start its clock on receipt, find the
items it names (by id, by URL, and their exact copies by hash), disable access through the action outbox, and
preserve what is removed (Art 6). Everything happens in the caller's transaction, audited.

The clock stops when the platform acknowledges the action (`deadlines.sync_disablements`): access is disabled
when the platform says so, not when Bastion asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bastion.actions.outbox import enqueue_action
from bastion.legal.clock import Clock, ClockState
from bastion.legal.order_form import Locator, OrderForm
from bastion.legal.preservation import place_hold
from bastion.legal.reasons import state_order_disablement
from bastion.legal.regimes import OrderRules, RegimeData, RegimeError, load_regime
from bastion.settings import Settings
from bastion.store.items import item_subject
from bastion.store.models.orders import OrderRow, OrderTargetRow
from bastion.store.transaction import Transaction

CLOCK_SKEW = timedelta(minutes=5)  # an order issued "after" its receipt by less than this is the two clocks' drift
DEFAULT_KEEP = timedelta(days=183)  # when a regime file names no preservation period: TCO Art 6(2)'s six months


class OrderRefused(ValueError):
    """An order Bastion cannot take as sent: `status` and `error` for the API, `details` name each field."""

    def __init__(self, status: int, error: str, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.details = status, error, message, details or []


@dataclass(frozen=True)
class Sender:
    """Who recorded the order: an authority's account over the API, or a legal officer in the web UI."""

    actor: str  # authority:<name> or user:<username>
    authority: str
    member_state: str
    authority_id: int | None = None


@dataclass
class Found:
    targets: list[OrderTargetRow] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def add(self, order: OrderRow, item_id: str | None, locator: str, found_by: str) -> None:
        if item_id is not None and item_id in self.seen:
            return
        if item_id is not None:
            self.seen.add(item_id)
        self.targets.append(
            OrderTargetRow(
                order_id=order.id, platform=order.platform, item_id=item_id, locator=locator, found_by=found_by
            )
        )


def order_rules(settings: Settings, regime: str) -> tuple[RegimeData, OrderRules]:
    try:
        data = load_regime(regime, settings.regimes_dir)
    except RegimeError as error:
        raise OrderRefused(422, "unknown_regime", str(error)) from None
    if data.orders is None:
        raise OrderRefused(422, "unknown_regime", f"the regime {regime!r} has no removal orders")
    return data, data.orders


def receive_order(
    tx: Transaction, form: OrderForm, sender: Sender, received_at: datetime, settings: Settings
) -> OrderRow:
    """Record the order, start its clock at `received_at`, find and disable its items, preserve them."""
    data, rules = order_rules(settings, form.regime)
    _check(form, sender, received_at, data, rules)
    if tx.orders.by_reference(sender.authority, form.reference) is not None:
        raise OrderRefused(409, "duplicate_order", f"{sender.authority} already sent an order {form.reference!r}")
    clock = Clock.start(received_at, rules.deadline, rules.restart_on_resume)
    order = tx.orders.add(
        OrderRow(
            regime=data.name,
            platform=form.platform,
            reference=form.reference,
            issuing_state=sender.member_state,
            issuing_authority=sender.authority,
            authority_id=sender.authority_id,
            recorded_by=sender.actor,
            issued_at=form.issued_at,
            received_at=received_at,
            grounds=form.grounds,
            reasons=form.reasons,
            redress=form.redress,
            action=form.action,
            non_disclosure_until=form.non_disclosure_until,
            cross_border=bool(settings.main_establishment and sender.member_state != settings.main_establishment),
            clock=ClockState.RUNNING.value,
            deadline_at=clock.deadline(),
            alerts_sent=[],
            document=form.model_dump(mode="json"),
        )
    )
    tx.orders.add_clock_event(order.id, ClockState.RUNNING.value, received_at, sender.actor, "received")
    found = find_targets(tx, order, form.targets)
    tx.audit.append(
        action="order.receive",
        subject=f"order:{order.id}",
        actor=sender.actor,
        payload=_receipt(order, found),
        at=received_at,
    )
    article_9 = order_is_article_9(settings)
    disable(tx, order, found.targets, received_at, settings.data_dir, data.keep_for or DEFAULT_KEEP, article_9)
    return order


def _check(form: OrderForm, sender: Sender, received_at: datetime, data: RegimeData, rules: OrderRules) -> None:
    problems = [
        {"field": "grounds", "problem": f"{g!r} is not one of {', '.join(rules.grounds)}"}
        for g in form.grounds
        if g not in rules.grounds
    ]
    if form.action not in rules.actions:
        problems.append({"field": "action", "problem": f"one of {', '.join(rules.actions)}"})
    if data.member_states and sender.member_state not in data.member_states:
        problems.append(
            {"field": "issuing_state", "problem": f"{sender.member_state} may not issue {data.name} orders"}
        )
    if form.issued_at > received_at + CLOCK_SKEW:
        problems.append({"field": "issued_at", "problem": "an order cannot be issued after it was received"})
    if form.non_disclosure_until is not None and form.non_disclosure_until <= form.issued_at:
        problems.append({"field": "non_disclosure_until", "problem": "must be after the order was issued"})
    if problems:
        message = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        raise OrderRefused(422, "invalid_order", message, problems)


def find_targets(tx: Transaction, order: OrderRow, locators: list[Locator]) -> Found:
    """The items each locator names (by id, else by URL), then every exact copy of their media by hash."""
    found = Found()
    for locator in locators:
        by_id = locator.item_id and tx.items.get(order.platform, locator.item_id) is not None
        if by_id and locator.item_id:
            found.add(order, locator.item_id, locator.item_id, "id")
            continue
        ids = tx.orders.items_at(order.platform, url_forms(locator.url)) if locator.url else []
        for item_id in ids:
            found.add(order, item_id, locator.url or "", "url")
        if not ids:
            found.add(order, None, locator.url or locator.item_id or "", "none")
    named = [t.item_id for t in found.targets if t.item_id]
    for item_id in named:
        for kind, digest in tx.orders.media_hashes(order.platform, item_id).items():
            for copy in tx.orders.copies(order.platform, kind, [digest]):
                found.add(order, copy, f"copy of {item_id}", kind)
    for target in found.targets:
        tx.orders.add_target(target)
    return found


def url_forms(url: str | None) -> list[str]:
    """The URL as given and its equivalent spellings (scheme and host case, a trailing slash, no fragment)."""
    if not url:
        return []
    parts = urlsplit(url.strip())
    base = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))
    other = base[:-1] if base.endswith("/") else base + "/"
    return sorted({url.strip(), base, other})


def disable(
    tx: Transaction,
    order: OrderRow,
    targets: list[OrderTargetRow],
    now: datetime,
    data_dir: Path,
    keep: timedelta,
    article_9: bool = False,
) -> None:
    """Ask the platform to remove or disable each found item (the action outbox), preserve each one, and write
    each one's statement of reasons (DSA Art 17, TCO Art 11)."""
    details = {
        "order": order.reference,
        "order_id": order.id,
        "authority": order.issuing_authority,
        "basis": "Regulation (EU) 2021/784, Art. 3(3)",
        "territorial_scope": "all Member States",
        "non_disclosure_until": order.non_disclosure_until.isoformat() if order.non_disclosure_until else None,
    }
    for target in targets:
        if target.item_id is None:
            continue
        row = enqueue_action(tx, order.platform, target.item_id, order.action, details, now)
        target.outbox_id = row.id
        tx.audit.append(
            action=f"order.{order.action}",
            subject=item_subject(order.platform, target.item_id),
            actor="system",
            payload={"order": order.id, "found_by": target.found_by, "delivery": row.id},
            at=now,
        )
        place_hold(tx, data_dir, order, target.item_id, now, keep)
        state_order_disablement(tx, order, target, now, article_9)


def order_is_article_9(settings: Settings) -> bool:
    """Whether a TCO order counts as a DSA Art 9 order (unconfirmed: the eu-dsa regime file says)."""
    try:
        return bool(load_regime("eu-dsa", settings.regimes_dir).disclosure.get("order_is_article_9", False))
    except RegimeError:
        return False


def _receipt(order: OrderRow, found: Found) -> dict[str, Any]:
    return {
        "reference": order.reference,
        "platform": order.platform,
        "issuing_authority": order.issuing_authority,
        "issuing_state": order.issuing_state,
        "issued_at": order.issued_at.isoformat(),
        "deadline": order.deadline_at.isoformat() if order.deadline_at else None,
        "grounds": order.grounds,
        "cross_border": order.cross_border,
        "non_disclosure_until": order.non_disclosure_until.isoformat() if order.non_disclosure_until else None,
        "targets": [{"locator": t.locator, "item": t.item_id, "found_by": t.found_by} for t in found.targets],
    }
