"""A writer that stops inside its transaction must not hold every other writer back (PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bastion.store.db import Database
from tests.conftest import _pg_admin, _pg_url

pytestmark = pytest.mark.postgres
_LOCK = "SELECT pg_advisory_xact_lock(42)"  # as the audit chain's lock is taken


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
