"""The dashboard's figures, computed from real decisions and appeals on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bastion.core import Category, utcnow
from bastion.review.cases import AppealOutcome, Decision, claim, decide, decide_appeal, file_appeal
from bastion.store.db import Database
from bastion.store.models.review import UserRow
from bastion.web.stats import dashboard


def test_figures_follow_the_decisions(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    removed, cleared, waiting = flagged_case("d-1"), flagged_case("d-2"), flagged_case("d-3")
    later = utcnow() + timedelta(minutes=10)
    with db.transaction() as tx:
        for case_id, decision in [(removed, Decision.REMOVE), (cleared, Decision.NO_VIOLATION)]:
            claim(tx, case_id, users["ada"], later)
            decide(tx, case_id, users["ada"], decision, later, Category.RECRUITMENT)
    with db.transaction() as tx:
        file_appeal(tx, "local", "d-1", "acct-1", "fictional appeal", later)
    with db.transaction() as tx:
        claim(tx, removed, users["bo"], later)
        decide_appeal(tx, removed, users["bo"], AppealOutcome.REVERSE, later)
    with db.snapshot() as tx:
        figures = dashboard(tx, later)
    assert figures.queue_size == 1 and waiting
    assert dict(figures.decisions_by_action) == {"remove": 1, "no_violation": 1}
    assert figures.median_minutes_to_decision is not None and 9 <= figures.median_minutes_to_decision <= 11
    assert (figures.appeals, figures.reversal_rate) == (1, 1.0)
    precision = {name: (share, n) for name, share, n in figures.detector_precision}
    assert precision["termlist"] == (0.0, 2)  # flagged two: one cleared, one removed then reversed on appeal
