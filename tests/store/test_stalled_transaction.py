"""A writer that stops inside its transaction must not hold every other writer back (PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bastion.store.db import APPLICATION_NAME, Database, DatabaseUnavailable, LockWaitTimedOut
from tests.conftest import _pg_admin, _pg_url
from tests.store.stalled_client import MidStatementClient

pytestmark = pytest.mark.postgres
_LOCK = "SELECT pg_advisory_xact_lock(42)"  # as the audit chain's lock is taken
_BOUNDED_WAIT = "SET LOCAL statement_timeout = '20s'"  # a wait without end fails the test, never hangs it


@pytest.fixture
def db(pg_template: str) -> Iterator[Database]:
    name = f"bastion_stall_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    database = Database.from_url(_pg_url(name), stalled_transaction_seconds=0.5)
    yield database
    database.dispose()
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_server_ends_a_stalled_transaction_and_frees_its_locks(db: Database) -> None:
    with db.session() as session:
        session.execute(text("CREATE TABLE notes (note text)"))
    other_got_through = threading.Event()

    def other_writer() -> None:
        with db.session() as other:
            other.execute(text(_LOCK))
            other.execute(text("INSERT INTO notes VALUES ('kept')"))
        other_got_through.set()

    with pytest.raises(DatabaseUnavailable), db.session() as stalled:
        stalled.execute(text(_LOCK))
        stalled.execute(text("INSERT INTO notes VALUES ('lost')"))
        threading.Thread(target=other_writer, daemon=True).start()
        # Sending nothing while the other waits for the lock: only the server's timeout lets it through.
        assert other_got_through.wait(timeout=60)
        stalled.execute(text("SELECT 1"))  # its session is gone, and its transaction with it
    with db.reader() as session:
        assert session.execute(text("SELECT note FROM notes")).all() == [("kept",)]


def test_a_writer_stopped_mid_statement_is_ended_by_the_writer_it_holds_back(db: Database) -> None:
    """The server's idle-in-transaction timeout never ends a session that waits in the middle of a statement's
    exchange: the writer the stalled one holds back ends it once its own wait for the lock outlasts the stall
    limit, and its retry gets through. Only Bastion's own sessions are ended."""
    with db.session() as session:
        session.execute(text("CREATE TABLE notes (note text)"))
    stalled = MidStatementClient(db.engine.url, APPLICATION_NAME, _LOCK)
    elsewhere = MidStatementClient(db.engine.url, "another-application", "SELECT 1")
    with pytest.raises(LockWaitTimedOut, match="lock timeout"), db.session() as waiting:
        waiting.execute(text(_BOUNDED_WAIT))
        waiting.execute(text(_LOCK))
    with db.session() as retry:
        retry.execute(text(_LOCK))
        retry.execute(text("INSERT INTO notes VALUES ('kept')"))
    assert stalled.ended_by_server()
    with db.reader() as session:  # stalled as long, but not Bastion's to end
        named = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'another-application'")
        assert session.execute(named).scalar() == 1
    elsewhere.close()
    with db.reader() as session:
        assert session.execute(text("SELECT note FROM notes")).all() == [("kept",)]


def test_a_session_at_work_is_not_ended_as_stalled(db: Database) -> None:
    """A session running a long statement holds its locks as long, but it is not waiting on its client."""
    started = threading.Event()

    def long_statement() -> None:
        with db.session() as busy:
            busy.execute(text(_LOCK))
            started.set()
            busy.execute(text("SELECT pg_sleep(2)"))

    worker = threading.Thread(target=long_statement)
    worker.start()
    assert started.wait(timeout=30)
    with pytest.raises(LockWaitTimedOut, match="lock timeout"), db.session() as waiting:
        waiting.execute(text(_BOUNDED_WAIT))
        waiting.execute(text(_LOCK))
    worker.join(timeout=30)  # it ends on its own: its session was not ended under it (that would raise there)
    assert not worker.is_alive()
