"""Figures for the dashboard, computed from cases, decisions and appeals."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from bastion.review.cases import ACTIONED
from bastion.review.reports import Pressure, most_reported_authors
from bastion.review.states import QUEUE_STATES
from bastion.store.models.review import DecisionRow
from bastion.store.transaction import Transaction


@dataclass(frozen=True)
class Dashboard:
    queue_size: int
    oldest_hours: float | None
    decisions_by_day: list[tuple[str, int]]
    decisions_by_category: list[tuple[str, int]]
    decisions_by_action: list[tuple[str, int]]
    median_minutes_to_decision: float | None
    appeals: int
    reversal_rate: float | None
    detector_precision: list[tuple[str, float, int]]  # detector, share of its flags upheld, decisions
    most_reported: list[Pressure]
    audit_records: int


def dashboard(tx: Transaction, now: datetime, days: int = 14) -> Dashboard:
    open_cases = tx.dashboard.opened_at(QUEUE_STATES)
    decisions = tx.dashboard.first_decisions_since(now - timedelta(days=days))
    final = [d for d in decisions if not d.action.startswith("escalate")]
    outcomes = tx.dashboard.appeal_outcomes()
    decided_appeals = outcomes["upheld"] + outcomes["reversed"]
    return Dashboard(
        queue_size=len(open_cases),
        oldest_hours=round((now - min(open_cases)).total_seconds() / 3600, 1) if open_cases else None,
        decisions_by_day=sorted(Counter(d.decided_at.date().isoformat() for d in decisions).items()),
        decisions_by_category=Counter(d.category or "none" for d in final).most_common(),
        decisions_by_action=Counter(d.action for d in decisions).most_common(),
        median_minutes_to_decision=(
            round(statistics.median(d.seconds_to_decide for d in final if d.seconds_to_decide is not None) / 60, 1)
            if any(d.seconds_to_decide is not None for d in final)
            else None
        ),
        appeals=tx.dashboard.appeals(),
        reversal_rate=round(outcomes["reversed"] / decided_appeals, 3) if decided_appeals else None,
        detector_precision=_precision(final, tx.dashboard.reversed_cases()),
        most_reported=most_reported_authors(tx, now),
        audit_records=tx.audit.count(),
    )


def _precision(decisions: list[DecisionRow], reversed_cases: set[int]) -> list[tuple[str, float, int]]:
    """For each detector: of the flagged items people decided, the share actioned and not reversed on appeal."""
    flagged: Counter[str] = Counter()
    upheld: Counter[str] = Counter()
    actioned = {a.value for a in ACTIONED}
    for decision in decisions:
        stood = decision.action in actioned and decision.case_id not in reversed_cases
        for detector in decision.detectors:
            flagged[detector] += 1
            upheld[detector] += stood
    return [(d, round(upheld[d] / n, 3), n) for d, n in flagged.most_common()]
