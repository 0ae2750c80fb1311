"""SQLite's one writer at a time, as a file lock the kernel queues, waited for no longer than a limit.

SQLite admits one writer; processes that find it busy poll with growing sleeps (seconds of tail latency under
load). A file lock (`flock`) queues them in the kernel instead, and wakes the next one at once. But `flock` waits
for ever: a writer stopped in the middle of its transaction (SIGSTOP, a debugger, a frozen VM) held every other
writer of every process until it was resumed, with each request waiting and `/healthz` still answering. So a
writer that finds the lock taken waits on a thread of its own, still queued by the kernel, and the caller gives
up after the limit; whichever of the two comes second lets go of the lock and the file.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

# Threads that wait in the kernel for callers that found the lock taken; one stays blocked for each caller that
# gave up, until the lock is let go. More callers than threads queue here, and give up after the limit all the same.
_waiters: ThreadPoolExecutor | None = None
_waiters_made = threading.Lock()


def _waiter_threads() -> ThreadPoolExecutor:
    global _waiters
    with _waiters_made:
        if _waiters is None:
            _waiters = ThreadPoolExecutor(max_workers=16, thread_name_prefix="bastion-writer-lock")
        return _waiters


def _forget_waiter_threads() -> None:
    """A forked child has none of its parent's threads: a pool it inherited would take work and never run it."""
    global _waiters, _waiters_made
    _waiters, _waiters_made = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_waiter_threads)


class WriterLockTimedOut(TimeoutError):
    """Another writer held the lock for longer than the limit."""


@contextmanager
def writer_lock(path: str, limit: float) -> Iterator[None]:
    """Hold the lock file at `path` for the block; WriterLockTimedOut when it stays taken for `limit` seconds."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    if not _take(fd, limit):  # the waiter owns the file now, and closes it once the lock comes its way
        raise WriterLockTimedOut(f"the SQLite writer lock stayed taken for {limit:g} s: is a writer stopped mid-way?")
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _take(fd: int, limit: float) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass  # taken: the usual case under load, whose wait is short
    wait = _Wait(fd)
    try:
        _waiter_threads().submit(wait.take)
    except RuntimeError:  # the interpreter is shutting down: no thread will take the file
        os.close(fd)
        raise
    return wait.outcome(limit)


class _Wait:
    """One blocking `flock` on a waiter thread, and the caller that may stop waiting for it."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._guard = threading.Lock()
        self._done = threading.Event()
        self._abandoned = False
        self._error: OSError | None = None

    def take(self) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except OSError as error:  # ENOLCK: the caller hears it, and closes the file
            self._error = error
        with self._guard:
            if self._abandoned:
                if self._error is None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._done.set()

    def outcome(self, limit: float) -> bool:
        """True once the lock is held; False when it was not within `limit` (the waiter then lets it go)."""
        self._done.wait(limit)
        with self._guard:
            if not self._done.is_set():
                self._abandoned = True
                return False
        if self._error is not None:
            os.close(self._fd)
            raise self._error
        return True


def stopped_holders(path: str) -> list[int]:
    """The processes holding the lock file at `path` that are stopped (SIGSTOP, a debugger): every writer waits for
    them. Read from Linux's /proc; elsewhere, or for a file not there, none."""
    try:
        status = os.stat(path)
        locks = Path("/proc/locks").read_text()
    except OSError:
        return []
    device = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
    holders = {
        int(fields[4])
        for fields in (line.split() for line in locks.splitlines() if "->" not in line)  # "->": a waiter, not a holder
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == device
    }
    return sorted(pid for pid in holders if _state(pid) in {"T", "t"})


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rpartition(")")[2].split()[0]  # after the command name, which may hold spaces and parentheses
