"""The case state machine: one table of allowed steps, and every review function goes through it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bastion.core import CaseState, Category, utcnow
from bastion.review.cases import AppealOutcome, Decision, claim, decide, decide_appeal, file_appeal
from bastion.review.states import QUEUE_STATES, TRANSITIONS, ReviewError, Step, next_state
from bastion.store.db import Database
from bastion.store.models.review import UserRow


def test_every_step_not_in_the_table_is_refused() -> None:
    for state in CaseState:
        for step in Step:
            if (state, step) in TRANSITIONS:
                assert next_state(state, step) is TRANSITIONS[state, step]
            else:
                with pytest.raises(ReviewError, match=f"a case that is {state.value} cannot be {step.done}"):
                    next_state(state, step)


def test_the_queue_holds_exactly_the_states_a_person_can_still_take() -> None:
    assert {CaseState.OPEN, CaseState.ASSIGNED, CaseState.APPEALED} == QUEUE_STATES
    finished = {CaseState.DECIDED, CaseState.REDECIDED}
    assert all((state, Step.CLAIM) not in TRANSITIONS for state in finished)


def test_a_decided_case_is_never_decided_again_by_its_holder(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], utcnow())
        decide(tx, case_id, users["ada"], Decision.NO_VIOLATION, utcnow())
    with db.transaction() as tx, pytest.raises(ReviewError, match="a case that is decided cannot be decided"):
        decide(tx, case_id, users["ada"], Decision.REMOVE, utcnow(), Category.RECRUITMENT)
    with db.snapshot() as tx:
        assert [d.action for d in tx.cases.case_view(case_id, utcnow()).decisions] == ["no_violation"]


def test_a_case_walks_the_whole_machine(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    seen = []

    def state() -> str:
        with db.snapshot() as tx:
            return tx.cases.get(case_id).state

    for name, act in [
        ("claim", lambda tx: claim(tx, case_id, users["ada"], utcnow())),
        ("escalate", lambda tx: decide(tx, case_id, users["ada"], Decision.ESCALATE_SENIOR, utcnow())),
        ("claim", lambda tx: claim(tx, case_id, users["cy"], utcnow())),
        ("decide", lambda tx: decide(tx, case_id, users["cy"], Decision.REMOVE, utcnow(), Category.RECRUITMENT)),
        ("appeal", lambda tx: file_appeal(tx, "local", "post-1", "acct-1", "fictional appeal", utcnow())),
        ("claim", lambda tx: claim(tx, case_id, users["lee"], utcnow())),
        ("decide appeal", lambda tx: decide_appeal(tx, case_id, users["lee"], AppealOutcome.UPHOLD, utcnow())),
    ]:
        with db.transaction() as tx:
            act(tx)
        seen.append((name, state()))
    assert seen == [
        ("claim", "assigned"),
        ("escalate", "open"),
        ("claim", "assigned"),
        ("decide", "decided"),
        ("appeal", "appealed"),
        ("claim", "appealed"),
        ("decide appeal", "redecided"),
    ]
    with db.transaction() as tx, pytest.raises(ReviewError, match="redecided cannot be claimed"):
        claim(tx, case_id, users["cy"], utcnow())
