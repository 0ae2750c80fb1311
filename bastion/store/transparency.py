"""The counting queries behind the transparency report (TCO Art 7, DSA Art 15 and 24), each over one period.

Every query takes the half-open period [start, end) and reads rows as they
are stored; what counts as what (a restriction's detection source, a
confirmation of an automatic removal) is `bastion.legal.transparency`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bastion.store.models.core import ItemRow, VerdictRow
from bastion.store.models.notices import NoticeRow
from bastion.store.models.orders import OrderRow, OrderTargetRow
from bastion.store.models.review import AppealRow, DecisionRow, OutboxRow, ReportRow
from bastion.store.models.threats import ReferralRow, ThreatRow

_ACTIONED = ("remove", "restrict", "label")
Key = tuple[str, str]  # (platform, item id)


@dataclass(frozen=True)
class Restriction:
    """One restrictive decision: a person's, or a verdict that removed the item at once."""

    platform: str
    item_id: str
    action: str  # remove, restrict, label
    category: str | None
    lang: str | None
    at: datetime
    automatic: bool
    verdict: dict[str, Any]  # the item's stored verdict (what detected it)
    order: bool = False  # disabled under a removal order


@dataclass(frozen=True)
class AppealFacts:
    case_id: int
    filed_at: datetime
    outcome: str | None  # upheld, reversed; None while open
    decided_at: datetime | None
    kind: str = "appeal"  # appeal, complaint (DSA Art 20, TCO Art 10)
    decide_by: datetime | None = None  # a TCO complaint's two weeks (Art 10(2))


@dataclass(frozen=True)
class Restore:
    at: datetime
    details: dict[str, Any]  # the outbox payload, which names what reversed the decision


class TransparencyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def human_restrictions(self, start: datetime, end: datetime) -> list[Restriction]:
        """First-stage decisions to remove, restrict or label, made in the period."""
        query = (
            select(DecisionRow, ItemRow.lang, VerdictRow.body)
            .outerjoin(ItemRow, and_(ItemRow.platform == DecisionRow.platform, ItemRow.id == DecisionRow.item_id))
            .outerjoin(
                VerdictRow, and_(VerdictRow.platform == DecisionRow.platform, VerdictRow.item_id == DecisionRow.item_id)
            )
            .where(
                DecisionRow.stage == "first",
                DecisionRow.action.in_(_ACTIONED),
                DecisionRow.decided_at >= start,
                DecisionRow.decided_at < end,
            )
            .order_by(DecisionRow.id)
        )
        return [
            Restriction(d.platform, d.item_id, d.action, d.category, lang, d.decided_at, False, dict(body or {}))
            for d, lang, body in self._session.execute(query)
        ]

    def automatic_removals(self, start: datetime, end: datetime) -> list[Restriction]:
        """Items whose verdict, decided in the period, removed them with no person involved."""
        query = (
            select(VerdictRow, ItemRow.lang)
            .join(ItemRow, and_(ItemRow.platform == VerdictRow.platform, ItemRow.id == VerdictRow.item_id))
            .where(VerdictRow.action == "remove", VerdictRow.decided_at >= start, VerdictRow.decided_at < end)
            .order_by(VerdictRow.decided_at)
        )
        return [
            Restriction(
                v.platform,
                v.item_id,
                "remove",
                next(iter(v.categories or []), None),
                lang,
                v.decided_at,
                True,
                dict(v.body or {}),
            )
            for v, lang in self._session.execute(query)
        ]

    def order_restrictions(self, start: datetime, end: datetime) -> list[Restriction]:
        """Items disabled in the period under a removal order (TCO Art 3(3)), each with the order's first ground."""
        query = (
            select(OrderTargetRow, OrderRow.action, OrderRow.grounds, ItemRow.lang, VerdictRow.body)
            .join(OrderRow, OrderRow.id == OrderTargetRow.order_id)
            .outerjoin(ItemRow, and_(ItemRow.platform == OrderTargetRow.platform, ItemRow.id == OrderTargetRow.item_id))
            .outerjoin(
                VerdictRow,
                and_(VerdictRow.platform == OrderTargetRow.platform, VerdictRow.item_id == OrderTargetRow.item_id),
            )
            .where(
                OrderTargetRow.item_id.is_not(None),
                OrderTargetRow.disabled_at >= start,
                OrderTargetRow.disabled_at < end,
            )
            .order_by(OrderTargetRow.id)
        )
        return [
            Restriction(
                t.platform,
                str(t.item_id),
                action,
                f"order ground {grounds[0]}" if grounds else "order",
                lang,
                t.disabled_at,
                False,
                dict(body or {}),
                order=True,
            )
            for t, action, grounds, lang, body in self._session.execute(query)
        ]

    def first_notices(self, keys: Iterable[Key]) -> dict[Key, tuple[datetime, bool]]:
        """For each item, when its first notice came and whether a trusted flagger sent one by then."""
        found: dict[Key, tuple[datetime, bool]] = {}
        for platform, item_id, at, trusted in self._session.execute(
            select(NoticeRow.platform, NoticeRow.item_id, NoticeRow.received_at, NoticeRow.trusted_flagger)
            .where(NoticeRow.item_id.in_({item for _, item in keys}))
            .order_by(NoticeRow.received_at)
        ):
            key = (str(platform), str(item_id))
            first = found.get(key)
            found[key] = (first[0], first[1] or bool(trusted)) if first else (at, bool(trusted))
        return found

    def first_reports(self, keys: Iterable[Key]) -> dict[Key, datetime]:
        """For each item, when it was first reported (notices are filed as reports too)."""
        rows = self._session.execute(
            select(ReportRow.platform, ReportRow.item_id, func.min(ReportRow.reported_at))
            .where(ReportRow.item_id.in_({item for _, item in keys}))
            .group_by(ReportRow.platform, ReportRow.item_id)
        )
        return {(str(p), str(i)): at for p, i, at in rows}

    def notices(self, start: datetime, end: datetime) -> list[NoticeRow]:
        query = select(NoticeRow).where(NoticeRow.received_at >= start, NoticeRow.received_at < end)
        return list(self._session.scalars(query.order_by(NoticeRow.id)))

    def final_decisions(self, case_ids: Iterable[int]) -> dict[int, list[DecisionRow]]:
        """Each case's first-stage decisions that were not escalations, oldest first."""
        found: dict[int, list[DecisionRow]] = {}
        query = (
            select(DecisionRow)
            .where(
                DecisionRow.case_id.in_(set(case_ids)),
                DecisionRow.stage == "first",
                DecisionRow.action.not_in(("escalate_senior", "escalate_legal")),
            )
            .order_by(DecisionRow.id)
        )
        for decision in self._session.scalars(query):
            found.setdefault(decision.case_id, []).append(decision)
        return found

    def appeals(self, start: datetime, end: datetime) -> list[AppealFacts]:
        """Appeals filed in the period, each with the appeal decision that answered it (if any)."""
        appeals = list(
            self._session.scalars(
                select(AppealRow).where(AppealRow.filed_at >= start, AppealRow.filed_at < end).order_by(AppealRow.id)
            )
        )
        answers: dict[int, list[datetime]] = {}
        for case_id, at in self._session.execute(
            select(DecisionRow.case_id, DecisionRow.decided_at)
            .where(DecisionRow.stage == "appeal", DecisionRow.case_id.in_({a.case_id for a in appeals}))
            .order_by(DecisionRow.decided_at)
        ):
            answers.setdefault(case_id, []).append(at)
        return [
            AppealFacts(
                a.case_id,
                a.filed_at,
                a.outcome,
                a.decided_at
                or (next((at for at in answers.get(a.case_id, []) if at >= a.filed_at), None) if a.outcome else None),
                a.kind,
                a.decide_by,
            )
            for a in appeals
        ]

    def restores(self, start: datetime, end: datetime) -> list[Restore]:
        """Actions that restored an item, queued in the period."""
        query = select(OutboxRow.created_at, OutboxRow.payload).where(
            OutboxRow.action == "restore", OutboxRow.created_at >= start, OutboxRow.created_at < end
        )
        return [Restore(at, dict(payload or {})) for at, payload in self._session.execute(query)]

    def restored_items(self, since: datetime) -> set[Key]:
        """Items a restore action was queued for since `since` (up to now)."""
        query = select(OutboxRow.platform, OutboxRow.item_id).where(
            OutboxRow.action == "restore", OutboxRow.created_at >= since
        )
        return {(str(p), str(i)) for p, i in self._session.execute(query)}

    def first_decisions(self, start: datetime, end: datetime) -> list[DecisionRow]:
        """Final first-stage decisions made in the period (what the detectors' accuracy is measured on)."""
        query = select(DecisionRow).where(
            DecisionRow.stage == "first",
            DecisionRow.action.not_in(("escalate_senior", "escalate_legal")),
            DecisionRow.decided_at >= start,
            DecisionRow.decided_at < end,
        )
        return list(self._session.scalars(query.order_by(DecisionRow.id)))

    def reversed_cases(self, case_ids: Iterable[int]) -> set[int]:
        """Which of these cases had a decision reversed on appeal."""
        query = select(AppealRow.case_id).where(AppealRow.outcome == "reversed", AppealRow.case_id.in_(set(case_ids)))
        return set(self._session.scalars(query))

    def threats(self, start: datetime, end: datetime) -> list[ThreatRow]:
        query = select(ThreatRow).where(ThreatRow.marked_at >= start, ThreatRow.marked_at < end)
        return list(self._session.scalars(query))

    def referrals(self, start: datetime, end: datetime) -> list[ReferralRow]:
        query = select(ReferralRow).where(ReferralRow.referred_at >= start, ReferralRow.referred_at < end)
        return list(self._session.scalars(query))
