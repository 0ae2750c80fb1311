"""Micro-batching with group commit: the requests that arrive together are checked and recorded together.

Each API request waits until the transaction holding its verdict has
committed, so nothing is acknowledged before it is durable. The requests
that arrive within a short wait of each other (or while the batch before
them is still running) form one batch: one pass of the pipeline through
each detector's `detect_many`, and one transaction. The batch runs on a
thread of its own, never on the event loop, so `/healthz` and every other
request keep moving while detectors score and while the database's writer
lock is taken; and since batches run one at a time, CPU spent on checking
is bounded however many clients are waiting.

Checks too costly to share a batch (media, long texts, large bodies) take a
`HeavyLane` instead: a few at a time, at a lower CPU priority, and paced so
that they hold the CPU at most a set share of the time while batches wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[T, R]):
    """Gathers entries for up to `wait` seconds (or `max_batch` of them) and runs `process` on a worker thread.

    `process` returns one result per entry, in order; a result that is an exception is raised to that
    entry's caller alone. An exception from `process` itself reaches every caller of the batch.
    """

    def __init__(self, process: Callable[[list[T]], list[R | Exception]], wait: float, max_batch: int) -> None:
        self._process, self._wait, self._max_batch = process, wait, max_batch
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._runner: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bastion-batch")

    @property
    def busy(self) -> bool:
        """Whether entries are waiting or a batch is running (read from any thread: one attribute, one check)."""
        runner = self._runner
        return runner is not None and not runner.done()

    async def submit(self, entry: T) -> R:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a restarted server, another test client)
            self._loop, self._pending, self._runner = loop, [], None
        done: asyncio.Future[R] = loop.create_future()
        self._pending.append((entry, done))
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self._run())
        return await done

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            if self._wait > 0 and len(self._pending) < self._max_batch:
                await asyncio.sleep(self._wait)  # let the requests arriving together join this batch
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            waiting = [(entry, done) for entry, done in batch if not done.done()]  # a client that left
            if not waiting:
                continue
            try:
                results = await loop.run_in_executor(self._thread, self._process, [entry for entry, _ in waiting])
            except Exception as error:  # every waiting request must hear about the failure
                for _, done in waiting:
                    if not done.done():
                        done.set_exception(error)
                continue
            for (_, done), result in zip(waiting, results, strict=True):
                if done.done():
                    continue
                if isinstance(result, Exception):
                    done.set_exception(result)
                else:
                    done.set_result(result)


class HeavyLane:
    """Runs checks too costly to join a micro-batch: `workers` at a time, on threads of lower CPU priority,
    each paced by a `Pacer` between its steps so that, while `contended()` says ordinary checks are in
    flight, the lane's checks take at most `share` of the time.

    A lower priority alone did not keep the lane fair: a thread holds Python's interpreter lock whatever
    its priority, and a stream of 99,000-character texts held it 45% of the time, tripling the p99 of the
    ordinary checks beside them. The operating system cannot take the lock back; pausing between steps
    gives it back.
    """

    def __init__(
        self, workers: int, share: float, contended: Callable[[], bool], sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._share, self._contended, self._sleep = share, contended, sleep
        self._threads = ThreadPoolExecutor(workers, "bastion-heavy", initializer=lower_thread_priority)

    async def run(self, work: Callable[..., R], *args: Any) -> R:
        """`work(*args, pacer)` on a thread of the lane; `work` calls `pacer()` between its steps."""
        pacer = Pacer(self._share, self._contended, sleep=self._sleep)

        def paced() -> R:
            pacer.start()  # the time spent waiting for a thread of the lane is not the check's own
            return work(*args, pacer)

        return await asyncio.get_running_loop().run_in_executor(self._threads, paced)


def step_cpu_seconds() -> float:
    """The CPU time of the calling thread and of the children reaped so far: what a heavy step costs, whether
    the thread or a child (Tesseract) does the work, without the time it waits for the interpreter or a core
    (which is the others' work)."""
    times = os.times()
    return time.thread_time() + times.children_user + times.children_system


@dataclass
class Pacer:
    """Between the steps of one heavy check: while ordinary checks are in flight, a pause long enough that the
    CPU the step just took is `share` of the time; otherwise none, so that an idle server checks at full speed."""

    share: float
    contended: Callable[[], bool]
    clock: Callable[[], float] = step_cpu_seconds
    sleep: Callable[[float], None] = time.sleep
    _since: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.start()

    def start(self) -> None:
        """The first step begins now."""
        self._since = self.clock()

    def __call__(self) -> None:
        now = self.clock()
        if self.contended():
            self.sleep((now - self._since) * (1 - self.share) / self.share)
            now = self.clock()
        self._since = now


def lower_thread_priority(by: int = 10) -> None:
    """Lower the CPU priority of the calling thread alone, `by` nice steps from where it is (Linux schedules
    threads as tasks, see setpriority(2)), so that heavy checks yield the CPU to the event loop and the batches
    of ordinary traffic, even in a server started under `nice`."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux, or not allowed: the same work, same priority
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + by))
