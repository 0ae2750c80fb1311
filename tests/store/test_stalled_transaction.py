"""A writer that stops inside its transaction must not hold every other writer back (PostgreSQL)."""

from __future__ import annotations

import socket
import struct
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError

from bastion.store.db import APPLICATION_NAME, Database
from tests.conftest import _pg_admin, _pg_url

pytestmark = pytest.mark.postgres
_LOCK = "SELECT pg_advisory_xact_lock(42)"  # as the audit chain's lock is taken
_NEVER_FOR_EVER = "SET LOCAL statement_timeout = '20s'"  # a wait without end fails the test, never hangs it


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

    with pytest.raises(DBAPIError), db.session() as stalled:
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
    stalled = MidStatementClient(db, APPLICATION_NAME, lock=True)
    elsewhere = MidStatementClient(db, "another-application", lock=False)
    with pytest.raises(OperationalError, match="lock timeout"), db.session() as waiting:
        waiting.execute(text(_NEVER_FOR_EVER))
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
    with pytest.raises(OperationalError, match="lock timeout"), db.session() as waiting:
        waiting.execute(text(_NEVER_FOR_EVER))
        waiting.execute(text(_LOCK))
    worker.join(timeout=30)  # it ends on its own: its session was not ended under it (that would raise there)
    assert not worker.is_alive()


class MidStatementClient:
    """A PostgreSQL client that opens a transaction (taking the lock, with `lock`), sends a statement's parse and
    stops before its sync, as a writer stopped (SIGSTOP) while sending a statement does: the server then waits on
    it, and its idle-in-transaction timeout does not apply. Spoken on a socket: a driver never stops half-way."""

    def __init__(self, db: Database, application: str, lock: bool) -> None:
        url = make_url(db.engine.url)
        self._socket = socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=30)
        fields = {"user": url.username or "postgres", "database": url.database or "", "application_name": application}
        startup = struct.pack("!I", 196608) + b"".join(f"{k}\0{v}\0".encode() for k, v in fields.items()) + b"\0"
        self._socket.sendall(struct.pack("!I", len(startup) + 4) + startup)
        self._until_ready()
        self._query("BEGIN")
        self._query(_LOCK if lock else "SELECT 1")
        self._socket.sendall(_message(b"P", b"\0SELECT 1\0\0\0"))  # a parse; its sync never follows

    def ended_by_server(self) -> bool:
        """Whether the server ends the session: it says why, then closes the connection."""
        received = b""
        while chunk := self._socket.recv(65536):
            received += chunk
        return b"terminating connection due to administrator command" in received

    def close(self) -> None:
        self._socket.close()

    def _query(self, sql: str) -> None:
        self._socket.sendall(_message(b"Q", sql.encode() + b"\0"))
        self._until_ready()

    def _until_ready(self) -> None:
        received = b""
        while b"Z\0\0\0\x05" not in received:  # ReadyForQuery, idle or in a transaction
            chunk = self._socket.recv(65536)
            assert chunk, "the server closed the connection"
            received += chunk


def _message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!I", len(body) + 4) + body
