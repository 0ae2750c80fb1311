"""The case state machine: every state a case can be in and every step between them, in one table.

    open ──claim──▶ assigned ──decide──▶ decided ──appeal──▶ appealed ──decide appeal──▶ redecided
      ▲               │  ▲                                    │  ▲
      └──escalate─────┘  └─claim (the holder, or an expired    └──┘ claim (someone else than the first decider)
                            claim taken over)

Escalating returns a case to `open` for the roles it was escalated to. Every
change of a case's state goes through `advance`; a step the table does not
allow raises `ReviewError`, so a decided case is never decided again and an
open one is never appealed.
"""

from __future__ import annotations

from enum import StrEnum

from bastion.core import CaseState
from bastion.store.models.core import CaseRow


class ReviewError(ValueError):
    """A review step that cannot be done as asked; `status` is the HTTP status that fits."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


class Step(StrEnum):
    CLAIM = "claim"
    ESCALATE = "escalate"
    DECIDE = "decide"
    APPEAL = "appeal"
    DECIDE_APPEAL = "decide_appeal"

    @property
    def done(self) -> str:
        """The step as people say it was done to a case ("claimed", "decided on appeal")."""
        return _DONE[self]


_DONE = {
    Step.CLAIM: "claimed",
    Step.ESCALATE: "escalated",
    Step.DECIDE: "decided",
    Step.APPEAL: "appealed",
    Step.DECIDE_APPEAL: "decided on appeal",
}


TRANSITIONS: dict[tuple[CaseState, Step], CaseState] = {
    (CaseState.OPEN, Step.CLAIM): CaseState.ASSIGNED,
    (CaseState.ASSIGNED, Step.CLAIM): CaseState.ASSIGNED,
    (CaseState.APPEALED, Step.CLAIM): CaseState.APPEALED,  # an appeal stays one while someone works it
    (CaseState.ASSIGNED, Step.ESCALATE): CaseState.OPEN,
    (CaseState.ASSIGNED, Step.DECIDE): CaseState.DECIDED,
    (CaseState.DECIDED, Step.APPEAL): CaseState.APPEALED,
    (CaseState.APPEALED, Step.DECIDE_APPEAL): CaseState.REDECIDED,
}

# The states a person still has to act on: the queue shows them and a claim takes them.
QUEUE_STATES: frozenset[CaseState] = frozenset(state for state, step in TRANSITIONS if step is Step.CLAIM)


def state_of(case: CaseRow) -> CaseState:
    return CaseState(case.state)


def next_state(state: CaseState, step: Step) -> CaseState:
    """The state `step` leads to from `state`, or a ReviewError when the step is not allowed there."""
    following = TRANSITIONS.get((state, step))
    if following is None:
        raise ReviewError(f"a case that is {state.value} cannot be {step.done}")
    return following


def advance(case: CaseRow, step: Step) -> CaseState:
    """Move a case one step along the machine; its new state."""
    case.state = next_state(state_of(case), step).value
    return CaseState(case.state)
