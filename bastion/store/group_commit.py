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
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

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


def lower_thread_priority(by: int = 10) -> None:
    """Lower the CPU priority of the calling thread alone, `by` nice steps from where it is (Linux schedules
    threads as tasks, see setpriority(2)), so that heavy checks yield the CPU to the event loop and the batches
    of ordinary traffic, even in a server started under `nice`."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux, or not allowed: the same work, same priority
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + by))
