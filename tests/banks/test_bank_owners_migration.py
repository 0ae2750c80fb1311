"""Revision 0007 on both databases: banks from before owners become installation banks, visible to every platform."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from bastion.banks.entries import ReadOnlyBank, get_bank, list_banks
from bastion.settings import Settings
from bastion.store.db import Database, alembic_config
from tests.conftest import _pg_admin, _pg_reachable, _pg_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0006(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated only to revision 0006 (before bank owners), holding a bank a platform made over the API."""
    name = None
    if request.param == "sqlite":
        (tmp_path / "data").mkdir()
        url = f"sqlite:///{tmp_path / 'data' / 'bastion.db'}"
    else:
        if not _pg_reachable():
            if os.environ.get("BASTION_REQUIRE_POSTGRES"):
                pytest.fail("PostgreSQL is not reachable")
            pytest.skip("PostgreSQL is not reachable; PostgreSQL variant skipped")
        name = f"bastion_o_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    command.upgrade(alembic_config(url), "0006_sessions_and_logins")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO banks (name, description, enabled, benign, category, created_by, created_at, updated_at) "
                "VALUES ('old-bank', '', true, true, 'propaganda', 'platform:old', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()
    yield url
    if name:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_bank_from_before_owners_is_an_installation_bank(db_at_0006: str, tmp_path: Path) -> None:
    db = Database.from_settings(Settings(data_dir=tmp_path / "data", database_url=db_at_0006))
    db.migrate()
    try:
        with db.snapshot() as tx:
            assert [bank.owner for bank, _ in list_banks(tx, "any-platform")] == [None]
            assert tx.banks.subscribers() == {}
            with pytest.raises(ReadOnlyBank):
                get_bank(tx, "old-bank", "old", write=True)
    finally:
        db.dispose()
