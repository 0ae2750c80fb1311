"""The micro-batcher's gathering wait: taken when a batch starts from idle, not again by requests that
queued while the batch before them ran (they have waited a whole batch already)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bastion.store import group_commit
from bastion.store.group_commit import MicroBatcher


def test_requests_queued_behind_a_running_batch_start_the_next_one_without_a_second_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def counted_sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(group_commit.asyncio, "sleep", counted_sleep)
    first_running, release_first = threading.Event(), threading.Event()
    batches: list[list[int]] = []

    def process(entries: list[int]) -> list[int | Exception]:
        batches.append(entries)
        if len(batches) == 1:
            first_running.set()
            release_first.wait(timeout=5)
        return [entry * 10 for entry in entries]

    async def scenario() -> list[int]:
        batcher: MicroBatcher[int, int] = MicroBatcher(process, wait=0.5, max_batch=16)
        first = asyncio.ensure_future(batcher.submit(1))
        await asyncio.to_thread(first_running.wait, 5)
        queued = [asyncio.ensure_future(batcher.submit(n)) for n in (2, 3, 4)]
        await real_sleep(0)
        release_first.set()
        return await asyncio.gather(first, *queued)

    assert asyncio.run(scenario()) == [10, 20, 30, 40]
    assert batches == [[1], [2, 3, 4]]
    assert waits == [0.5]
