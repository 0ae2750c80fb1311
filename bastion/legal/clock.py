"""An order's clock as a state machine: running, paused (and why), resumed, done or not executed.

TCO Art 3(3) gives one hour from receipt. The clock pauses when the provider
cannot comply for force majeure or de facto impossibility (Art 3(7)) or when
the order has manifest errors or lacks information (Art 3(8)); in both cases
the deadline "shall start to run" again once the ground has ceased or the
clarification has arrived, so by default a resumed clock gets its whole
period afresh (`restart_on_resume`, set per regime in its data file). The
time to act counts running time only: paused time is never counted.

Pure functions of the transitions: nothing here reads a clock or a database,
so every figure can be recomputed from the audited history.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED_IMPOSSIBILITY = "paused_impossibility"  # TCO Art 3(7)
    PAUSED_CLARIFICATION = "paused_clarification"  # TCO Art 3(8)
    DONE = "done"  # access disabled
    NOT_EXECUTED = "not_executed"  # closed without acting (the reason is recorded with it)

    @property
    def paused(self) -> bool:
        return self in (ClockState.PAUSED_IMPOSSIBILITY, ClockState.PAUSED_CLARIFICATION)

    @property
    def closed(self) -> bool:
        return self in (ClockState.DONE, ClockState.NOT_EXECUTED)


_ALLOWED: dict[ClockState, frozenset[ClockState]] = {
    ClockState.RUNNING: frozenset(
        {ClockState.PAUSED_IMPOSSIBILITY, ClockState.PAUSED_CLARIFICATION, ClockState.DONE, ClockState.NOT_EXECUTED}
    ),
    ClockState.PAUSED_IMPOSSIBILITY: frozenset({ClockState.RUNNING, ClockState.DONE, ClockState.NOT_EXECUTED}),
    ClockState.PAUSED_CLARIFICATION: frozenset({ClockState.RUNNING, ClockState.DONE, ClockState.NOT_EXECUTED}),
    ClockState.DONE: frozenset(),
    ClockState.NOT_EXECUTED: frozenset(),
}


class ClockError(ValueError):
    """A transition the clock does not allow (resuming a running clock, pausing a closed one, going back in time)."""


@dataclass(frozen=True)
class Transition:
    state: ClockState
    at: datetime


@dataclass(frozen=True)
class Clock:
    """One order's clock: its period, how a resume counts, and every transition since receipt (the first)."""

    period: timedelta
    restart_on_resume: bool
    history: tuple[Transition, ...]

    @classmethod
    def start(cls, received_at: datetime, period: timedelta, restart_on_resume: bool = True) -> Clock:
        return cls(period, restart_on_resume, (Transition(ClockState.RUNNING, received_at),))

    @property
    def state(self) -> ClockState:
        return self.history[-1].state

    def moved(self, state: ClockState, at: datetime) -> Clock:
        """The clock after a transition to `state` at `at`; ClockError when it is not allowed."""
        if state not in _ALLOWED[self.state]:
            raise ClockError(f"an order's clock cannot go from {self.state.value} to {state.value}")
        if at < self.history[-1].at:
            raise ClockError(f"{at.isoformat()} is before the clock's last transition ({self.history[-1].at})")
        return replace(self, history=(*self.history, Transition(state, at)))

    def deadline(self) -> datetime | None:
        """The deadline in force: None while paused, and for a closed clock the one in force when it closed."""
        deadline: datetime | None = None
        active = timedelta()
        running_since: datetime | None = None
        for transition in self.history:
            if running_since is not None:
                active += transition.at - running_since
                running_since = None
            if transition.state is ClockState.RUNNING:
                left = self.period if self.restart_on_resume else max(self.period - active, timedelta())
                deadline, running_since = transition.at + left, transition.at
            elif transition.state.paused:
                deadline = None
        return deadline

    def running_time(self, now: datetime) -> timedelta:
        """Time spent running up to `now` (or to closing): the time to act, paused time left out."""
        total = timedelta()
        for current, following in zip(self.history, (*self.history[1:], None), strict=True):
            if current.state is ClockState.RUNNING:
                end = following.at if following is not None else now
                total += max(end - current.at, timedelta())
        return total

    def late(self, now: datetime) -> bool:
        """Acted (or, still running, now) after the deadline in force; a paused clock is never late."""
        deadline = self.deadline()
        if deadline is None or self.state is ClockState.NOT_EXECUTED:
            return False
        at = self.history[-1].at if self.state is ClockState.DONE else now
        return at > deadline
