"""An item removed automatically (exact hash match) says so in the queue, with the rule and the bank."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bastion.core import utcnow
from bastion.review.automatic import automatic_action
from bastion.review.cases import Decision, claim, decide
from bastion.review.queue import QueueFilter, queue
from bastion.store.db import Database
from bastion.store.models.review import OutboxRow, UserRow
from tests.review.conftest import FICTIONAL_BANK

REMOVED = f"removed automatically by rule known-content-exact-match v1 (exact match in bank {FICTIONAL_BANK})"


_actions = select(OutboxRow.action).where(OutboxRow.action != "statement_of_reasons")  # what the item undergoes


def test_an_automatic_removal_is_in_the_queue_saying_what_was_done_and_by_which_rule(
    db: Database, users: dict[str, UserRow], removed_case: Callable[..., int], flagged_case: Callable[..., int]
) -> None:
    removed, flagged = removed_case(), flagged_case()
    with db.snapshot() as tx:
        entries = {e.case.id: e for e in queue(tx, users["ada"], QueueFilter(), utcnow())}
    assert set(entries) == {removed, flagged}  # still for a person to confirm
    assert str(entries[removed].automatic) == REMOVED
    assert entries[flagged].automatic is None  # only asked for review: nothing was done yet


def test_finding_no_violation_in_an_automatic_removal_restores_the_item(
    db: Database, users: dict[str, UserRow], removed_case: Callable[..., int]
) -> None:
    case_id = removed_case()
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], utcnow())
        decide(tx, case_id, users["ada"], Decision.NO_VIOLATION, utcnow(), note="fictional: a museum exhibit")
        assert tx.session.scalars(_actions).all() == ["restore"]


def test_only_live_removing_rules_are_named() -> None:
    verdict = {
        "action": "remove",
        "rules": [
            {"name": "exact", "version": 2, "action": "remove", "shadow": False},
            {"name": "trial", "version": 1, "action": "remove", "shadow": True},
            {"name": "flagged", "version": 1, "action": "review", "shadow": False},
        ],
        "signals": [{"detector": "termlist", "evidence": {}}],
    }
    assert str(automatic_action(verdict)) == "removed automatically by rule exact v2"
    assert automatic_action({**verdict, "action": "review"}) is None
    assert automatic_action({}) is None
