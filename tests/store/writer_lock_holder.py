"""A writer lock held by another open of its file, as a writer stopped mid-transaction holds it."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from bastion.store.db import Database


@contextmanager
def held_lock(path: str) -> Iterator[Callable[[], None]]:
    """The lock file at `path` held for the block; the block gets the function that lets it go sooner."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    let_go = threading.Event()

    def resume() -> None:
        if not let_go.is_set():
            let_go.set()
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    try:
        yield resume
    finally:
        resume()


def stopped_writer(db: Database) -> AbstractContextManager[Callable[[], None]]:
    """The database's writer lock held, as by a writer stopped inside its transaction."""
    assert db.writer_lock_path is not None, "only SQLite has a writer lock"
    return held_lock(db.writer_lock_path)
