"""The heavy lane's pacing: a costly check gives the CPU back to the batches between its steps."""

from __future__ import annotations

from bastion.store.group_commit import Pacer


class _Clock:
    """CPU seconds that the test advances by hand, as a step would."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_step_taken_while_batches_are_in_flight_is_followed_by_a_pause_three_times_as_long() -> None:
    clock, pauses = _Clock(), []
    pacer = Pacer(0.25, contended=lambda: True, clock=clock, sleep=pauses.append)

    clock.now += 0.020
    pacer()
    clock.now += 0.004
    pacer()

    assert [round(p, 6) for p in pauses] == [0.060, 0.012]


def test_a_step_taken_with_no_batch_in_flight_is_not_paused() -> None:
    clock, pauses = _Clock(), []
    pacer = Pacer(0.25, contended=lambda: False, clock=clock, sleep=pauses.append)

    clock.now += 0.5
    pacer()

    assert pauses == []


def test_the_time_before_a_check_starts_is_not_counted_as_its_step() -> None:
    clock, pauses = _Clock(), []
    pacer = Pacer(0.5, contended=lambda: True, clock=clock, sleep=pauses.append)
    clock.now += 3.0  # waiting for a thread of the lane

    pacer.start()
    clock.now += 0.010
    pacer()

    assert [round(p, 6) for p in pauses] == [0.010]
