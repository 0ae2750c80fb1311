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
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_WAITER_THREADS = 16


class WriterLockUnavailable(RuntimeError):
    """The lock could not be taken: its file cannot be opened (no file descriptor left, no space) or locked."""


class WriterLockTimedOut(WriterLockUnavailable):
    """Another writer held the lock for longer than the limit."""


@contextmanager
def writer_lock(path: str, limit: float) -> Iterator[None]:
    """Hold the lock file at `path` for the block; WriterLockTimedOut when it stays taken for `limit` seconds."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as error:
        raise WriterLockUnavailable(f"the SQLite writer lock file cannot be opened: {error.strerror}") from error
    if not _take(fd, limit):  # the file is closed, or its waiter closes it once the lock comes its way
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
    except OSError as error:
        os.close(fd)
        raise WriterLockUnavailable(f"the SQLite writer lock cannot be taken: {error.strerror}") from error
    wait = _Wait(fd)
    _waiters().submit(wait)
    return wait.outcome(limit)


class _Wait:
    """One blocking `flock` taken by a waiter thread for a caller that may stop waiting. The file has one owner at
    a time: the caller until a thread starts the wait, then the thread until the lock is taken, then whichever of
    the two comes second (the caller to use the lock; the thread, when the caller gave up, to let it go)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._guard = threading.Lock()
        self._done = threading.Event()
        self._started = self._given_up = False
        self._error: OSError | None = None

    def take(self) -> None:
        with self._guard:
            if self._given_up:  # before a thread came to it: the caller closed the file
                return
            self._started = True
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except OSError as error:  # ENOLCK
            self._error = error
        with self._guard:
            if self._given_up:
                self._let_go()
            self._done.set()

    def outcome(self, limit: float) -> bool:
        """True once the lock is held; False when it was not within `limit`. Anything raised meanwhile (an
        interrupt) gives the wait up as a timeout does, so that the lock never stays held with no one to use it."""
        try:
            self._done.wait(limit)
        except BaseException:
            self._give_up()
            raise
        if not self._give_up():
            return False
        if self._error is not None:
            os.close(self._fd)
            raise WriterLockUnavailable(f"the SQLite writer lock cannot be taken: {self._error.strerror}")
        return True

    def _give_up(self) -> bool:
        """Give the wait up unless it is done; True when it is (the lock, or its error, came in time)."""
        with self._guard:
            if self._done.is_set():
                return True
            self._given_up = True
            if not self._started:  # no thread will touch the file
                os.close(self._fd)
            return False

    def _let_go(self) -> None:
        if self._error is None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


class _Waiters:
    """Daemon threads that take the waits, at most `_WAITER_THREADS`; a wait given up before a thread came to it
    costs nothing more. Daemon threads, because one blocked behind a stopped holder must not keep its process from
    exiting, and a bound, because each holds a file until the holder lets go."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Wait] = queue.SimpleQueue()
        self._guard = threading.Lock()
        self._threads = self._idle = 0

    def submit(self, wait: _Wait) -> None:
        self._queue.put(wait)
        with self._guard:
            if self._queue.qsize() <= self._idle or self._threads >= _WAITER_THREADS:
                return
            self._threads += 1
        threading.Thread(target=self._serve, name="bastion-writer-lock", daemon=True).start()

    def _serve(self) -> None:
        while True:
            with self._guard:
                self._idle += 1
            wait = self._queue.get()
            with self._guard:
                self._idle -= 1
            wait.take()


_pool: _Waiters | None = None
_pool_made = threading.Lock()


def _waiters() -> _Waiters:
    global _pool
    with _pool_made:
        if _pool is None:
            _pool = _Waiters()
        return _pool


def _forget_waiters() -> None:
    """A forked child has none of its parent's threads: a pool it inherited would take waits and never run them."""
    global _pool, _pool_made
    _pool, _pool_made = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_waiters)


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
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return ""
    fields = stat.rpartition(b")")[2].split()  # after the command name, which may hold spaces and parentheses
    return fields[0].decode("ascii", "replace") if fields else ""
