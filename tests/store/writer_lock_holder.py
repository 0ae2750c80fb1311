"""A SQLite writer stopped inside its transaction, as the tests of the writer lock need one."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bastion.store.db import Database


@contextmanager
def stopped_writer(db: Database) -> Iterator[Callable[[], None]]:
    """The writer lock held by another open of the file, as a writer stopped mid-transaction holds it; the block
    gets the function that resumes it."""
    fd = os.open(f"{db.engine.url.database}.writer-lock", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    resumed = threading.Event()

    def resume() -> None:
        if not resumed.is_set():
            resumed.set()
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    try:
        yield resume
    finally:
        resume()
