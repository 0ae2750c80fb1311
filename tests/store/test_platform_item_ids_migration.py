"""Revision 0008 on both databases: items keyed by (platform, id) and everything about them kept."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from bastion.core import Item, utcnow
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database, alembic_config
from bastion.store.models.banks import BankMatchRow
from bastion.store.models.review import AppealRow, DecisionRow, OutboxRow
from tests.conftest import _pg_admin, _pg_reachable, _pg_url

_ROWS = [
    "INSERT INTO items (id, kind, text, received_at, metadata, platform) VALUES "
    "('old-1', 'text', 'a fictional post, from before platforms', :now, '{}', NULL), "
    "('new-1', 'text', 'a fictional post of platform a', :now, '{}', 'plat-a')",
    "INSERT INTO verdicts (item_id, action, score, priority, categories, body, decided_at) VALUES "
    "('old-1', 'review', 0.9, 50, '[]', '{\"action\": \"review\"}', :now), "
    "('new-1', 'remove', 1.0, 90, '[]', '{\"action\": \"remove\"}', :now)",
    "INSERT INTO cases (id, item_id, state, priority, categories, source, opened_at, updated_at, version) VALUES "
    "(7, 'old-1', 'open', 50, '[]', 'detection', :now, :now, 1), "
    "(8, 'new-1', 'decided', 90, '[]', 'detection', :now, :now, 1)",
    "INSERT INTO decisions (case_id, item_id, moderator, action, note, countries, stage, detectors, decided_at) "
    "VALUES (8, 'new-1', 'ada', 'remove', '', '[]', 'first', '[]', :now)",
    "INSERT INTO appeals (case_id, item_id, appellant, text, filed_at, excluded_moderator) "
    "VALUES (8, 'new-1', 'acct-1', 'a fictional appeal', :now, 'ada')",
    "INSERT INTO reports (item_id, reporter, reason, text, platform, reported_at) "
    "VALUES ('new-1', 'u-1', 'terrorism', '', 'plat-a', :now)",
    "INSERT INTO action_outbox (item_id, action, payload, created_at, attempts, next_attempt_at) "
    "VALUES ('new-1', 'remove', '{}', :now, 0, :now)",
    "INSERT INTO banks (id, name, description, enabled, benign, category, created_by, created_at, updated_at) "
    "VALUES (3, 'old-bank', '', true, false, 'propaganda', 'test', :now, :now)",
    "INSERT INTO bank_entries (id, bank_id, kind, value, labels, confidence, state, added_by, added_at, updated_at, "
    "extra) VALUES (4, 3, 'md5', 'd41d8cd98f00b204e9800998ecf8427e', '[]', 1.0, 'active', 'test', :now, :now, '{}')",
    "INSERT INTO bank_matches (entry_id, item_id, distance, matched_at, retroactive) "
    "VALUES (4, 'new-1', 0, :now, false)",
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0007(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at revision 0007 (global item ids) holding an item of every kind of row that names one."""
    name = None
    if request.param == "sqlite":
        (tmp_path / "data").mkdir()
        url = f"sqlite:///{tmp_path / 'data' / 'bastion.db'}"
    else:
        if not _pg_reachable():
            if os.environ.get("BASTION_REQUIRE_POSTGRES"):
                pytest.fail("PostgreSQL is not reachable")
            pytest.skip("PostgreSQL is not reachable; PostgreSQL variant skipped")
        name = f"bastion_i_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    command.upgrade(alembic_config(url), "0007_bank_owners")
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in _ROWS:
            connection.execute(text(statement), {"now": utcnow()})
    engine.dispose()
    yield url
    if name:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_row_about_an_item_survives_and_names_its_platform(db_at_0007: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=db_at_0007)
    db = Database.from_settings(settings)
    db.migrate()  # the way `bastion` migrates: on SQLite with the foreign keys the service runs with
    try:
        with db.snapshot() as tx:
            old, new = tx.items.get("local", "old-1"), tx.items.get("plat-a", "new-1")
            assert old is not None and old.text == "a fictional post, from before platforms"
            assert new is not None and tx.items.verdict_body("plat-a", "new-1") == {"action": "remove"}
            assert tx.items.verdict_body("local", "old-1") == {"action": "review"}
            assert tx.cases.for_item("local", "old-1").id == 7  # type: ignore[union-attr]
            assert tx.cases.for_item("plat-a", "new-1").id == 8  # type: ignore[union-attr]
            for row in (DecisionRow, AppealRow, OutboxRow, BankMatchRow):
                assert [(r.platform, r.item_id) for r in tx.session.scalars(select(row))] == [("plat-a", "new-1")]
            assert [r.reporter for r in tx.reports.on_item("plat-a", "new-1")] == ["u-1"]
            assert tx.banks.named("old-bank") is not None
        # The same id from another platform is a new item beside the old one, not a replacement.
        Service.from_settings(settings, db).check([Item(id="new-1", text="a fictional post of platform b")], "plat-b")
        with db.snapshot() as tx:
            assert tx.items.get("plat-a", "new-1").text == "a fictional post of platform a"  # type: ignore[union-attr]
            assert tx.items.get("plat-b", "new-1") is not None
            assert tx.cases.for_item("plat-a", "new-1").state == "decided"  # type: ignore[union-attr]
    finally:
        db.dispose()
