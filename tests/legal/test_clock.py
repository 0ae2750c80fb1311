"""The order clock as a state machine (TCO Art 3(3), 3(7), 3(8)): transitions, deadlines, running time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.legal.clock import Clock, ClockError, ClockState

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _m(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_a_clock_runs_an_hour_from_receipt_and_stops_when_acted_on() -> None:
    clock = Clock.start(T0, HOUR)
    assert (clock.state, clock.deadline()) == (ClockState.RUNNING, _m(60))
    done = clock.moved(ClockState.DONE, _m(42))
    assert (done.deadline(), done.running_time(_m(500)), done.late(_m(500))) == (_m(60), timedelta(minutes=42), False)


def test_a_resumed_clock_gets_its_whole_period_again_or_only_what_was_left() -> None:
    paused = Clock.start(T0, HOUR).moved(ClockState.PAUSED_CLARIFICATION, _m(20))
    assert paused.deadline() is None and not paused.late(_m(300))
    restarted = paused.moved(ClockState.RUNNING, _m(100))  # Art 3(8): the deadline starts to run again
    assert restarted.deadline() == _m(160)
    continued = Clock(HOUR, False, paused.history).moved(ClockState.RUNNING, _m(100))  # a regime without restart
    assert continued.deadline() == _m(140)
    assert restarted.moved(ClockState.DONE, _m(150)).running_time(_m(999)) == timedelta(minutes=70)


def test_late_means_acted_after_the_deadline_in_force() -> None:
    assert Clock.start(T0, HOUR).moved(ClockState.DONE, _m(61)).late(_m(61))
    assert Clock.start(T0, HOUR).late(_m(61))  # still running past its deadline
    assert not Clock.start(T0, HOUR).moved(ClockState.NOT_EXECUTED, _m(90)).late(_m(90))


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([ClockState.RUNNING], ClockState.RUNNING),  # resuming a running clock
        ([ClockState.DONE], ClockState.PAUSED_IMPOSSIBILITY),  # pausing a closed one
        ([ClockState.NOT_EXECUTED], ClockState.RUNNING),
        ([ClockState.PAUSED_IMPOSSIBILITY], ClockState.PAUSED_CLARIFICATION),
    ],
)
def test_transitions_the_machine_does_not_allow_are_refused(path: list[ClockState], refused: ClockState) -> None:
    clock = Clock.start(T0, HOUR)
    for minute, state in enumerate(path, start=1):
        if state is not ClockState.RUNNING or clock.state is not ClockState.RUNNING:
            clock = clock.moved(state, _m(minute))
    with pytest.raises(ClockError):
        clock.moved(refused, _m(30))


def test_a_transition_cannot_go_back_in_time() -> None:
    with pytest.raises(ClockError, match="before"):
        Clock.start(T0, HOUR).moved(ClockState.DONE, _m(-1))


_STEPS = st.lists(
    st.tuples(st.sampled_from([ClockState.PAUSED_IMPOSSIBILITY, ClockState.RUNNING]), st.integers(0, 600)),
    max_size=12,
)


@given(_STEPS, st.booleans())
def test_running_time_never_exceeds_elapsed_time_and_a_paused_clock_has_no_deadline(
    steps: list[tuple[ClockState, int]], restart: bool
) -> None:
    clock, at = Clock.start(T0, HOUR, restart), T0
    for state, gap in steps:
        at += timedelta(minutes=gap)
        if state is not clock.state:
            clock = clock.moved(state, at)
    end = at + HOUR
    assert timedelta() <= clock.running_time(end) <= end - T0
    assert (clock.deadline() is None) == clock.state.paused
