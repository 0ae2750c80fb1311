"""Group commit: many concurrent requests, one transaction per event-loop turn.

Each API request waits until the transaction holding its verdict has
committed, so nothing is acknowledged before it is durable; but the requests
that arrive together share one commit instead of queueing for one each. The
write runs on the event loop itself: a writer thread would cost two GIL
hand-offs per request, which is more than the write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommitter(Generic[T]):
    def __init__(self, write: Callable[[list[T]], None]) -> None:
        self._write = write
        self._pending: list[tuple[T, asyncio.Future[None]]] = []

    def submit(self, entry: T) -> asyncio.Future[None]:
        """Queue an entry; the future completes when it is committed (or fails with the error)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append((entry, done))
        return done

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        try:
            self._write([entry for entry, _ in batch])
        except Exception as error:  # every waiting request must hear about the failure
            for _, done in batch:
                if not done.cancelled():
                    done.set_exception(error)
            return
        for _, done in batch:
            if not done.cancelled():
                done.set_result(None)
