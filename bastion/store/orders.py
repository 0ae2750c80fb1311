"""Removal orders as stored: the orders, the items they reach, their clocks' transitions, and the figures a
transparency report counts (TCO Art 7(3)(c): orders received, acted on, time to act, late, not executed and why)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bastion.store.models.core import AuditRow, ItemRow
from bastion.store.models.orders import ClockEventRow, OrderRow, OrderTargetRow
from bastion.store.models.review import OutboxRow


@dataclass(frozen=True)
class OrderFigures:
    """What the orders received in a period came to; each number is a plain count of stored rows."""

    received: int
    acted_on: int
    late: int
    open: int
    not_executed: dict[str, int]  # reason -> orders
    seconds_to_act: list[int]  # running time of each order acted on, pauses left out, ascending
    items_disabled: int
    items_reinstated: int
    by_member_state: dict[str, int]  # issuing Member State -> orders

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.seconds_to_act) if self.seconds_to_act else None

    @property
    def worst_seconds(self) -> int | None:
        return self.seconds_to_act[-1] if self.seconds_to_act else None


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, order: OrderRow) -> OrderRow:
        self._session.add(order)
        self._session.flush()
        return order

    def get(self, order_id: int) -> OrderRow | None:
        return self._session.get(OrderRow, order_id)

    def by_reference(self, issuing_authority: str, reference: str) -> OrderRow | None:
        query = select(OrderRow).where(OrderRow.issuing_authority == issuing_authority, OrderRow.reference == reference)
        return self._session.scalars(query).first()

    def newest(self, limit: int = 200) -> list[OrderRow]:
        return list(self._session.scalars(select(OrderRow).order_by(OrderRow.received_at.desc()).limit(limit)))

    def open_orders(self) -> list[OrderRow]:
        """Orders whose clock has not closed (running or paused), oldest first."""
        query = select(OrderRow).where(OrderRow.clock.not_in(("done", "not_executed"))).order_by(OrderRow.id)
        return list(self._session.scalars(query))

    def add_target(self, target: OrderTargetRow) -> OrderTargetRow:
        self._session.add(target)
        self._session.flush()
        return target

    def targets(self, order_id: int) -> list[OrderTargetRow]:
        query = select(OrderTargetRow).where(OrderTargetRow.order_id == order_id).order_by(OrderTargetRow.id)
        return list(self._session.scalars(query))

    def add_clock_event(self, order_id: int, state: str, at: datetime, actor: str, reason: str = "") -> None:
        self._session.add(ClockEventRow(order_id=order_id, state=state, at=at, actor=actor, reason=reason))
        self._session.flush()

    def clock_events(self, order_id: int) -> list[ClockEventRow]:
        query = select(ClockEventRow).where(ClockEventRow.order_id == order_id).order_by(ClockEventRow.id)
        return list(self._session.scalars(query))

    def history(self, order_id: int) -> list[AuditRow]:
        """Every audit record about the order (receipt, clock, alerts, documents, scrutiny), oldest first."""
        query = select(AuditRow).where(AuditRow.subject == f"order:{order_id}").order_by(AuditRow.seq)
        return list(self._session.scalars(query))

    def items_at(self, platform: str, urls: Collection[str]) -> list[str]:
        """Ids of the platform's items whose own address (`permalink`, or their media's `url`) is one of `urls`."""
        if not urls:
            return []
        permalink = ItemRow.item_metadata["permalink"].as_string()
        media_url = ItemRow.media["url"].as_string()
        query = select(ItemRow.id).where(ItemRow.platform == platform, or_(permalink.in_(urls), media_url.in_(urls)))
        return sorted(set(self._session.scalars(query)))

    def media_hashes(self, platform: str, item_id: str) -> dict[str, str]:
        """The exact hashes (sha256, md5) of an item's media, as the hash detector recorded them."""
        item = self._session.get(ItemRow, {"platform": platform, "id": item_id})
        hashes = ((item.media or {}) if item else {}).get("hashes") or {}
        return {kind: str(hashes[kind]) for kind in ("sha256", "md5") if hashes.get(kind)}

    def copies(self, platform: str, kind: str, digests: Collection[str]) -> list[str]:
        """Ids of the platform's items whose media has one of these exact hashes: re-uploads of the same file."""
        if not digests:
            return []
        digest = ItemRow.media["hashes"][kind].as_string()
        query = select(ItemRow.id).where(ItemRow.platform == platform, digest.in_(digests))
        return sorted(set(self._session.scalars(query)))

    def pending_disablements(self) -> list[tuple[OrderTargetRow, datetime]]:
        """Targets whose action the platform has acknowledged since, with the time it did."""
        query = (
            select(OrderTargetRow, OutboxRow.delivered_at)
            .join(OutboxRow, OutboxRow.id == OrderTargetRow.outbox_id)
            .where(OrderTargetRow.disabled_at.is_(None), OutboxRow.delivered_at.is_not(None))
            .order_by(OrderTargetRow.id)
        )
        return [(target, at) for target, at in self._session.execute(query) if at is not None]

    def non_disclosure_active(self, platform: str, item_id: str, now: datetime) -> datetime | None:
        """Until when an Art 11(3) non-disclosure decision of an order reaching this item runs; None when none does.

        While it runs, nothing about the removal may be disclosed to the content provider."""
        query = (
            select(func.max(OrderRow.non_disclosure_until))
            .join(OrderTargetRow, OrderTargetRow.order_id == OrderRow.id)
            .where(
                OrderTargetRow.platform == platform,
                OrderTargetRow.item_id == item_id,
                OrderRow.non_disclosure_until > now,
            )
        )
        until: datetime | None = self._session.scalar(query)
        return until

    def figures(self, since: datetime, until: datetime) -> OrderFigures:
        """The orders received in [since, until), counted for a transparency report (TCO Art 7(3)(c))."""
        orders = list(
            self._session.scalars(select(OrderRow).where(OrderRow.received_at >= since, OrderRow.received_at < until))
        )
        ids = [o.id for o in orders]
        targets: Sequence[OrderTargetRow] = (
            list(self._session.scalars(select(OrderTargetRow).where(OrderTargetRow.order_id.in_(ids)))) if ids else []
        )
        done = [o for o in orders if o.clock == "done"]
        return OrderFigures(
            received=len(orders),
            acted_on=len(done),
            late=sum(1 for o in done if o.late),
            open=sum(1 for o in orders if o.clock not in ("done", "not_executed")),
            not_executed=dict(Counter(o.not_executed or "unknown" for o in orders if o.clock == "not_executed")),
            seconds_to_act=sorted(o.seconds_to_act for o in done if o.seconds_to_act is not None),
            items_disabled=sum(1 for t in targets if t.disabled_at is not None),
            items_reinstated=sum(1 for t in targets if t.reinstated_at is not None),
            by_member_state=dict(sorted(Counter(o.issuing_state for o in orders).items())),
        )
