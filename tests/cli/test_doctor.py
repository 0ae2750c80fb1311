"""`bastion doctor` as an operator runs it: what is fine, what is wrong and what to do, in plain words."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bastion.core import utcnow
from bastion.store.audit import AUDIT_LOCK_KEY
from bastion.store.db import APPLICATION_NAME, Database
from tests.store.stalled_client import MidStatementClient


def _doctor(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")}
    return subprocess.run(
        [sys.executable, "-m", "bastion", "doctor"],
        capture_output=True,
        text=True,
        env={**base, "BASTION_DATA_DIR": str(tmp_path / "data"), "BASTION_NATS_STREAM": "T20_DOCTOR", **env},
        timeout=120,
        cwd=tmp_path,
    )


def test_a_migrated_database_and_a_reachable_stream_are_all_ok(tmp_path: Path, db_url: str) -> None:
    result = _doctor(tmp_path, BASTION_DATABASE_URL=db_url)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for check in ("database", "migrations", "banks", "stream", "text model"):
        assert any(line.startswith("ok") and f" {check}:" in line for line in lines), (check, result.stdout)
    assert "the schema is up to date" in result.stdout


@pytest.mark.postgres
def test_a_database_that_does_not_answer_is_a_problem_said_plainly(tmp_path: Path) -> None:
    result = _doctor(tmp_path, BASTION_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    assert result.returncode == 1
    assert "PROBLEM  database: postgresql+psycopg://postgres@127.0.0.1:1/nowhere does not answer" in result.stdout
    assert "Traceback" not in result.stderr


def test_an_unmigrated_database_and_no_stream_are_warnings_and_nothing_is_created(tmp_path: Path) -> None:
    empty = tmp_path / "old.db"
    empty.touch()
    result = _doctor(tmp_path, BASTION_DATABASE_URL=f"sqlite:///{empty}", BASTION_NATS_URL="nats://127.0.0.1:1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning  migrations: the schema is behind (empty" in result.stdout
    assert "warning  stream: NATS is not reachable at nats://127.0.0.1:1" in result.stdout
    (tmp_path / "fresh").mkdir()
    fresh = _doctor(tmp_path / "fresh", BASTION_NATS_URL="nats://127.0.0.1:1")
    assert "no database yet" in fresh.stdout
    assert not (tmp_path / "fresh" / "data").exists()


def test_stream_receipts_past_retention_are_a_warning_naming_the_prune(tmp_path: Path, db_url: str) -> None:
    db = Database.from_url(db_url)
    with db.transaction() as tx:
        tx.stream_receipts.claim([("local", "kept", "d" * 64)], utcnow() - timedelta(days=3))
    db.dispose()

    result = _doctor(tmp_path, BASTION_DATABASE_URL=db_url)

    assert "warning  stream receipts: the oldest is 72 h old (retention 24 h)" in result.stdout
    assert "schedule `bastion stream prune-receipts` nightly" in result.stdout


@pytest.mark.postgres
def test_a_writer_stopped_inside_its_transaction_is_a_warning_and_is_left_alone(
    tmp_path: Path, pg_databases: Callable[[], str]
) -> None:
    url = pg_databases()
    calm = _doctor(tmp_path, BASTION_DATABASE_URL=url, BASTION_DATABASE_STALLED_TRANSACTION_SECONDS="0.5")
    assert (
        "ok       writers: no Bastion session has waited on its client inside a transaction over 0.5 s" in calm.stdout
    )
    stalled = MidStatementClient(url, APPLICATION_NAME, "SELECT pg_advisory_xact_lock(42)")
    db = Database.from_url(url, 0.5)
    deadline = time.monotonic() + 30
    while not db.stalled_sessions():  # a deadline, not a sleep: stalled once past the limit
        assert time.monotonic() < deadline, "the stopped session never counted as stalled"

    result = _doctor(tmp_path, BASTION_DATABASE_URL=url, BASTION_DATABASE_STALLED_TRANSACTION_SECONDS="0.5")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning  writers: 1 Bastion session(s) waiting on their client inside a transaction (pid " in result.stdout
    assert "resume or stop it" in result.stdout
    assert db.stalled_sessions()  # the doctor looks and ends nothing
    stalled.close()
    db.dispose()


@pytest.mark.postgres
def test_a_command_held_back_by_a_stalled_writer_says_so_in_a_line(
    tmp_path: Path, pg_databases: Callable[[], str]
) -> None:
    url = pg_databases()
    stalled = MidStatementClient(url, APPLICATION_NAME, f"SELECT pg_advisory_xact_lock({AUDIT_LOCK_KEY})")
    env = {**os.environ, "BASTION_DATABASE_URL": url, "BASTION_DATABASE_STALLED_TRANSACTION_SECONDS": "0.5"}

    result = subprocess.run(
        [sys.executable, "-m", "bastion", "keys", "create", "--platform", "forum"],
        capture_output=True,
        text=True,
        env={**env, "BASTION_DATA_DIR": str(tmp_path / "data")},
        timeout=120,
        cwd=tmp_path,
    )

    assert result.returncode == 1
    assert "error: the database could not take it: canceling statement due to lock timeout" in result.stderr
    assert "Traceback" not in result.stderr
    assert stalled.ended_by_server()  # and the next run finds the chain free


def test_a_stopped_process_holding_the_sqlite_writer_lock_is_a_warning_naming_it(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    db_file = tmp_path / "data" / "bastion.db"
    db = Database.from_url(f"sqlite:///{db_file}")
    db.migrate()
    db.dispose()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_THEN_WAIT, f"{db_file}.writer-lock"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        running = _doctor(tmp_path)
        assert "ok       writers: no stopped process found holding the SQLite writer lock" in running.stdout  # at work
        os.kill(holder.pid, signal.SIGSTOP)

        stopped = _doctor(tmp_path, BASTION_DATABASE_STALLED_TRANSACTION_SECONDS="0.5")

        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert f"warning  writers: the SQLite writer lock is held by stopped process(es) {holder.pid}" in stopped.stdout
        assert "every write waits 0.5 s and fails; resume or stop it" in stopped.stdout
    finally:
        os.kill(holder.pid, signal.SIGCONT)
        holder.kill()
        holder.wait()


# A writer that took the lock and keeps it: prints "held", then waits to be stopped or killed.
_HOLD_THEN_WAIT = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(600)
"""
