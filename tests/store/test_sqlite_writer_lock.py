"""A SQLite writer stopped inside its transaction must not hold every other writer back for ever."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bastion.store.db import Database, LockWaitTimedOut
from bastion.store.writer_lock import WriterLockTimedOut, writer_lock
from tests.store.writer_lock_holder import held_lock, stopped_writer

_LIMIT = 0.3  # seconds a writer waits for the lock
_NEVER = 20.0  # a wait longer than this is a hang: the test fails instead of hanging the suite


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.from_url(f"sqlite:///{tmp_path}/bastion.db", stalled_transaction_seconds=_LIMIT)
    database.migrate()
    yield database
    database.dispose()


def append_record(db: Database, subject: str) -> BaseException | None:
    """Append one audit record on another thread; what it raised, or None. Fails the test if it never returns."""
    outcome: list[BaseException | None] = []

    def write() -> None:
        try:
            with db.transaction() as tx:
                tx.audit.append(action="note", subject=subject, actor="test")
            outcome.append(None)
        except BaseException as error:  # handed to the test to judge
            outcome.append(error)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    writer.join(_NEVER)
    assert not writer.is_alive(), "the writer is still waiting for the lock"
    return outcome[0]


def lock_files_open(db: Database) -> int:
    assert db.writer_lock_path is not None
    return _files_open(db.writer_lock_path)


def eventually(condition: Callable[[], bool], failure: str) -> None:
    """Wait for `condition`, which another thread brings about; fail with `failure` if it never comes."""
    deadline = time.monotonic() + _NEVER
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.01)


def test_a_writer_held_back_past_the_limit_is_told_and_the_next_one_goes_through(db: Database) -> None:
    with stopped_writer(db):
        error = append_record(db, "note:held")
    assert isinstance(error, LockWaitTimedOut)
    assert "writer lock" in str(error)
    assert append_record(db, "note:after") is None
    with db.snapshot() as tx:
        assert not tx.audit.has("note", "note:held")  # nothing of the refused writer's transaction was kept
        assert tx.audit.has("note", "note:after")


def test_the_wait_given_up_lets_the_lock_and_its_file_go_once_the_lock_is_free(db: Database) -> None:
    with stopped_writer(db):
        assert isinstance(append_record(db, "note:held"), LockWaitTimedOut)
        assert lock_files_open(db) == 2  # the stopped writer's, and the abandoned wait's, still queued
    eventually(lambda: lock_files_open(db) == 0, "the wait given up kept its file after the lock was free")
    assert append_record(db, "note:after") is None


def test_a_writer_queued_behind_a_short_transaction_waits_its_turn(db: Database) -> None:
    with stopped_writer(db) as resume:
        threading.Timer(_LIMIT / 3, resume).start()  # the holder finishes well within the limit
        assert append_record(db, "note:queued") is None
    with db.snapshot() as tx:
        assert tx.audit.has("note", "note:queued")


def _wait_behind_a_short_holder(path: str) -> bool:
    """Take the lock at `path` behind another open of it that lets go soon: True when the wait got it."""
    with held_lock(path) as let_go:
        threading.Timer(0.05, let_go).start()
        try:
            with writer_lock(path, _NEVER / 2):
                return True
        except WriterLockTimedOut:
            return False


def test_a_forked_process_waits_for_the_lock_on_threads_of_its_own(tmp_path: Path) -> None:
    path = str(tmp_path / "forked.writer-lock")
    assert _wait_behind_a_short_holder(path)  # the parent's waiter threads exist now
    child = os.fork()
    if child == 0:  # the child: a pool copied from the parent would queue the wait and never run it
        code = 1
        try:
            code = 0 if _wait_behind_a_short_holder(path) else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def _files_open(path: str) -> int:
    target = os.path.realpath(path)
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == target
        except OSError:
            continue
    return count


def _free(path: str) -> bool:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing lets go of the lock taken through it


def test_a_process_that_gave_up_on_the_lock_still_exits(tmp_path: Path) -> None:
    """Its waiter stays blocked behind the holder: it must not keep the process from exiting."""
    script = (
        "import fcntl, os, sys\n"
        "from bastion.store.writer_lock import WriterLockTimedOut, writer_lock\n"
        "holder = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)\n"
        "fcntl.flock(holder, fcntl.LOCK_EX)\n"
        "try:\n"
        "    with writer_lock(sys.argv[1], 0.2):\n"
        "        sys.exit(2)\n"
        "except WriterLockTimedOut:\n"
        "    print('gave up', flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "exit.writer-lock")],
        capture_output=True,
        text=True,
        timeout=_NEVER,  # past it, TimeoutExpired fails the test: the process hung at exit
    )
    assert done.stdout.strip() == "gave up", done.stderr
    assert done.returncode == 0


def test_a_wait_interrupted_lets_the_lock_go_once_it_comes(tmp_path: Path) -> None:
    path = str(tmp_path / "interrupted.writer-lock")

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    with held_lock(path):  # when it lets go, the interrupted wait's thread takes the lock, and must let it go
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.1)
            with pytest.raises(KeyboardInterrupt), writer_lock(path, _NEVER):
                pytest.fail("the lock was taken while another held it")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    eventually(lambda: _free(path), "the interrupted wait kept the lock")


def test_waits_given_up_behind_a_stopped_holder_keep_few_files_open(tmp_path: Path) -> None:
    path = str(tmp_path / "many.writer-lock")
    with held_lock(path):
        for _ in range(40):
            with pytest.raises(WriterLockTimedOut), writer_lock(path, 0.01):
                pytest.fail("the lock was taken while another held it")
        assert _files_open(path) <= 1 + 16  # the holder's, and one for each waiter thread blocked behind it
    eventually(lambda: _files_open(path) == 0, "waits given up kept their files after the holder let go")
