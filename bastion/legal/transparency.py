"""The transparency report for any period (TCO Art 7(3), DSA Art 15(1) and 24(1), Implementing Regulation (EU)
2024/2835): one typed object computed from the repositories, which `transparency_render` writes as JSON, CSV
or HTML. Every figure is a count or a time over stored rows, so each can be checked against the database.

Removal orders are counted by their own repository (`tx.orders.figures`), the rest by `tx.transparency`.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bastion.core import Category
from bastion.store.transaction import Transaction
from bastion.store.transparency import AppealFacts, Key, Restriction

# The detection source of a restriction, from the strongest outside signal to Bastion's own detectors.
SOURCES = ("order", "trusted_flagger_notice", "notice", "report", "hash_match", "text_model", "rule")
# What restored an item, read from the restore action's details (the key each path writes there).
_RESTORE_CAUSES = (("complaint", "complaint"), ("appeal", "appeal"), ("order", "order_review"))


def _counts(values: list[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _median_hours(spans: list[timedelta]) -> float | None:
    return round(statistics.median(s.total_seconds() for s in spans) / 3600, 2) if spans else None


@dataclass(frozen=True)
class OrdersSection:
    """Removal orders (TCO Art 7(3)(c); DSA Art 15(1)(a)), as `tx.orders` counts them."""

    received: int
    acted_on: int
    late: int
    median_minutes_to_act: float | None
    worst_minutes_to_act: float | None
    not_executed: dict[str, int]  # reason -> orders (Art 3(7), 3(8))
    by_member_state: dict[str, int]
    items_disabled: int
    items_reinstated: int  # after a cross-border scrutiny found the order infringing (Art 4(7))


@dataclass(frozen=True)
class RestrictionsSection:
    """Items removed or restricted (DSA Art 15(1)(c); TCO Art 7(3)(c)): each restrictive decision once."""

    total: int
    fully_automated: int
    by_source: dict[str, int]
    by_category: dict[str, int]
    by_language: dict[str, int]
    by_restriction: dict[str, int]


@dataclass(frozen=True)
class NoticesSection:
    """Notices (DSA Art 15(1)(b)): by type, from trusted flaggers, what was done and how fast."""

    received: int
    by_type: dict[str, int]
    from_trusted_flaggers: int
    trusted_by_type: dict[str, int]
    by_channel: dict[str, int]
    outcome: dict[str, int]  # actioned, no_action, pending
    median_hours_to_decision: float | None
    decided_by_automated_means: int


@dataclass(frozen=True)
class ComplaintsSection:
    """Complaints against decisions (DSA Art 15(1)(d), Art 20; TCO Art 7(3)(d)): Bastion's appeals."""

    received: int
    decided: int
    outcomes: dict[str, int]  # upheld, reversed
    median_hours_to_decide: float | None
    reversed: int = 0  # decisions reversed on complaint or appeal (DSA Art 15(1)(d))
    by_kind: dict[str, int] | None = None  # complaint (lodged against a statement of reasons), appeal
    answered_late: int = 0  # TCO complaints answered after their two weeks, or still open past them (Art 10(2))


@dataclass(frozen=True)
class ThreatsSection:
    """Threats to life marked and referred (TCO Art 14(5), DSA Art 18)."""

    marked: int
    referrals: int
    by_authority: dict[str, int]


@dataclass(frozen=True)
class DetectorAccuracy:
    detector: str
    decided: int  # flags of this detector a person decided
    upheld: int  # of those, actioned and not reversed on appeal

    @property
    def precision(self) -> float | None:
        return round(self.upheld / self.decided, 3) if self.decided else None


@dataclass(frozen=True)
class AccuracySection:
    """Indicators of the accuracy of automated means (DSA Art 15(1)(e)) that Bastion measures."""

    detectors: list[DetectorAccuracy]
    automatic_removals: int
    automatic_removals_reversed: int
    model: dict[str, Any] | None  # the shipped text model's held-out figures (`bastion eval`, model card)


@dataclass(frozen=True)
class TransparencyReport:
    start: datetime
    end: datetime  # exclusive
    generated_at: datetime
    orders: OrdersSection
    restrictions: RestrictionsSection
    notices: NoticesSection
    complaints: ComplaintsSection
    reinstatements: dict[str, int]  # cause -> restored items (TCO Art 7(3)(f), (g))
    threats: ThreatsSection
    accuracy: AccuracySection


def transparency_report(
    tx: Transaction, start: datetime, end: datetime, now: datetime, model: dict[str, Any] | None = None
) -> TransparencyReport:
    """The report for [start, end), computed from the stored rows."""
    restrictions = _restrictions(tx, start, end)
    return TransparencyReport(
        start=start,
        end=end,
        generated_at=now,
        orders=_orders(tx, start, end),
        restrictions=_restrictions_section(tx, restrictions),
        notices=_notices(tx, start, end),
        complaints=_complaints(tx, start, end, now),
        reinstatements=_reinstatements(tx, start, end),
        threats=_threats(tx, start, end),
        accuracy=_accuracy(tx, start, end, restrictions, model),
    )


def _orders(tx: Transaction, start: datetime, end: datetime) -> OrdersSection:
    figures = tx.orders.figures(start, end)
    return OrdersSection(
        received=figures.received,
        acted_on=figures.acted_on,
        late=figures.late,
        median_minutes_to_act=_minutes(figures.median_seconds),
        worst_minutes_to_act=_minutes(figures.worst_seconds),
        not_executed=dict(sorted(figures.not_executed.items())),
        by_member_state=figures.by_member_state,
        items_disabled=figures.items_disabled,
        items_reinstated=figures.items_reinstated,
    )


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _restrictions(tx: Transaction, start: datetime, end: datetime) -> list[Restriction]:
    """Each restriction once: an item disabled under a removal order, an automatic removal, or a person's
    decision; a person confirming an automatic removal, or deciding an ordered item, is not a second one."""
    ordered = tx.transparency.order_restrictions(start, end)
    automatic = [
        r
        for r in tx.transparency.automatic_removals(start, end)
        if (r.platform, r.item_id) not in {(o.platform, o.item_id) for o in ordered}
    ]
    counted = {(r.platform, r.item_id) for r in ordered + automatic}
    human = [
        r
        for r in tx.transparency.human_restrictions(start, end)
        if not ((r.platform, r.item_id) in counted or (r.action == "remove" and r.verdict.get("action") == "remove"))
    ]
    return ordered + automatic + human


def source_of(restriction: Restriction, notices: dict[Key, tuple[datetime, bool]], reports: dict[Key, datetime]) -> str:
    """What brought the restricted item to Bastion's attention first, by the strongest outside signal."""
    key = (restriction.platform, restriction.item_id)
    if restriction.order:
        return "order"
    notice = notices.get(key)
    if notice and notice[0] <= restriction.at:
        return "trusted_flagger_notice" if notice[1] else "notice"
    if key in reports and reports[key] <= restriction.at:
        return "report"
    flagged = {s.get("detector") for s in restriction.verdict.get("signals", []) if _violating(s.get("category"))}
    if "hashes" in flagged:
        return "hash_match"
    if "text" in flagged:
        return "text_model"
    return "rule"


def _violating(category: object) -> bool:
    try:
        return Category(str(category)).is_violating
    except ValueError:
        return False


def _restrictions_section(tx: Transaction, restrictions: list[Restriction]) -> RestrictionsSection:
    keys = {(r.platform, r.item_id) for r in restrictions}
    notices = tx.transparency.first_notices(keys)
    reports = tx.transparency.first_reports(keys)
    return RestrictionsSection(
        total=len(restrictions),
        fully_automated=sum(r.automatic for r in restrictions),
        by_source=_counts([source_of(r, notices, reports) for r in restrictions]),
        by_category=_counts([r.category or "none" for r in restrictions]),
        by_language=_counts([r.lang or "unknown" for r in restrictions]),
        by_restriction=_counts([r.action for r in restrictions]),
    )


def _notices(tx: Transaction, start: datetime, end: datetime) -> NoticesSection:
    notices = tx.transparency.notices(start, end)
    decisions = tx.transparency.final_decisions({n.case_id for n in notices})
    outcome, spans, automated = [], [], 0
    for notice in notices:
        answer = next((d for d in decisions.get(notice.case_id, []) if d.decided_at >= notice.received_at), None)
        earlier = decisions.get(notice.case_id, [])
        if answer is None and earlier:  # the case was decided before the notice came: that decision answers it
            answer = earlier[-1]
        if answer is None:
            verdict = tx.items.verdict_body(notice.platform, notice.item_id) or {}
            if verdict.get("action") == "remove":
                outcome.append("actioned")
                automated += 1
            else:
                outcome.append("pending")
            continue
        outcome.append("no_action" if answer.action == "no_violation" else "actioned")
        spans.append(max(answer.decided_at - notice.received_at, timedelta(0)))
    trusted = [n for n in notices if n.trusted_flagger]
    return NoticesSection(
        received=len(notices),
        by_type=_counts([n.notice_type for n in notices]),
        from_trusted_flaggers=len(trusted),
        trusted_by_type=_counts([n.notice_type for n in trusted]),
        by_channel=_counts([n.channel for n in notices]),
        outcome=_counts(outcome),
        median_hours_to_decision=_median_hours(spans),
        decided_by_automated_means=automated,
    )


def _complaints(tx: Transaction, start: datetime, end: datetime, now: datetime) -> ComplaintsSection:
    appeals = tx.transparency.appeals(start, end)
    decided = [a for a in appeals if a.outcome is not None]
    return ComplaintsSection(
        received=len(appeals),
        decided=len(decided),
        outcomes=_counts([str(a.outcome) for a in decided]),
        median_hours_to_decide=_median_hours([a.decided_at - a.filed_at for a in decided if a.decided_at]),
        reversed=sum(a.outcome == "reversed" for a in decided),
        by_kind=_counts([a.kind for a in appeals]),
        answered_late=sum(_late(a, now) for a in appeals),
    )


def _late(appeal: AppealFacts, now: datetime) -> bool:
    """A TCO complaint not answered within its two weeks (Art 10(2)): answered after, or still open past, them."""
    if appeal.decide_by is None:
        return False
    return (appeal.decided_at or now) > appeal.decide_by


def _reinstatements(tx: Transaction, start: datetime, end: datetime) -> dict[str, int]:
    causes = []
    for restore in tx.transparency.restores(start, end):
        found = next((cause for key, cause in _RESTORE_CAUSES if key in restore.details), None)
        causes.append(found or "review_of_automatic_removal")
    return _counts(causes)


def _threats(tx: Transaction, start: datetime, end: datetime) -> ThreatsSection:
    referrals = tx.transparency.referrals(start, end)
    return ThreatsSection(
        marked=len(tx.transparency.threats(start, end)),
        referrals=len(referrals),
        by_authority=_counts([r.authority for r in referrals]),
    )


def _accuracy(
    tx: Transaction, start: datetime, end: datetime, restrictions: list[Restriction], model: dict[str, Any] | None
) -> AccuracySection:
    decisions = tx.transparency.first_decisions(start, end)
    reversed_cases = tx.transparency.reversed_cases({d.case_id for d in decisions})
    decided: Counter[str] = Counter()
    upheld: Counter[str] = Counter()
    for decision in decisions:
        stood = decision.action in {"remove", "restrict", "label"} and decision.case_id not in reversed_cases
        for detector in decision.detectors:
            decided[detector] += 1
            upheld[detector] += stood
    automatic = [r for r in restrictions if r.automatic]
    restored = tx.transparency.restored_items(start)
    return AccuracySection(
        detectors=[DetectorAccuracy(d, n, upheld[d]) for d, n in sorted(decided.items())],
        automatic_removals=len(automatic),
        automatic_removals_reversed=sum((r.platform, r.item_id) in restored for r in automatic),
        model=model,
    )


def model_figures(model_dir: Path) -> dict[str, Any] | None:
    """The shipped text model's held-out figures (5-fold, the cascade as served), or None without a model."""
    try:
        model = json.loads((model_dir / "model.json").read_text())
    except (OSError, ValueError):
        return None
    cascade = (model.get("metrics") or {}).get("5_fold", {}).get("cascade", {})
    return {
        "version": model.get("version"),
        "recall": cascade.get("recall_judged_tvec"),
        "false_positive_rate": cascade.get("fpr_all_non_tvec"),
    }
