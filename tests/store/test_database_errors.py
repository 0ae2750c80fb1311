"""What a retry may cure is the database's refusal (`DatabaseUnavailable`); a statement's own error is not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bastion.store.db import Database, DatabaseUnavailable


def test_a_statement_at_fault_keeps_its_own_error(db: Database) -> None:
    """SQLite raises a missing table as an OperationalError, as it does a locked database: only the second is
    the database's refusal (a 503 to retry); the first is a bug, and retrying it would never help."""
    with pytest.raises(DBAPIError) as raised, db.session() as session:
        session.execute(text("SELECT * FROM no_such_table"))
    assert not isinstance(raised.value, DatabaseUnavailable)
    with pytest.raises(DBAPIError) as read, db.reader() as session:
        session.execute(text("SELECT * FROM no_such_table"))
    assert not isinstance(read.value, DatabaseUnavailable)


@pytest.mark.postgres
def test_a_session_ended_by_an_administrator_is_the_database_unavailable(pg_databases: Callable[[], str]) -> None:
    url = pg_databases()
    db = Database.from_url(url)
    try:
        with pytest.raises(DatabaseUnavailable, match="terminating connection"), db.session() as session:
            session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    finally:
        db.dispose()
