"""`bastion stream prune-receipts`: stream receipts past retention go, in batches, audited; recent ones stay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bastion.cli import app
from bastion.cli._context import settings
from bastion.core import utcnow
from bastion.store.db import Database
from bastion.store.models.stream import StreamReceiptRow
from tests.cli_env import cli_env

_OLD = [("local", f"old-{n}", "a" * 64) for n in range(5)]
_RECENT = [("local", "new-1", "b" * 64), ("other", "new-2", "c" * 64)]


@pytest.fixture
def bastion(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    with cli_env(monkeypatch, tmp_path / "data", db_url):
        yield CliRunner()


@pytest.fixture
def receipts(db: Database) -> Database:
    """Five receipts recorded two days ago, two an hour ago."""
    with db.transaction() as tx:
        tx.stream_receipts.claim(_OLD, utcnow() - timedelta(days=2))
        tx.stream_receipts.claim(_RECENT, utcnow() - timedelta(hours=1))
    return db


def _left(db: Database) -> int:
    with db.reader() as session:
        return int(session.scalar(select(func.count()).select_from(StreamReceiptRow)) or 0)


def test_receipts_past_retention_are_deleted_in_batches_and_the_run_is_audited(
    bastion: CliRunner, receipts: Database
) -> None:
    result = bastion.invoke(app, ["stream", "prune-receipts", "--batch-size", "2"])

    assert result.exit_code == 0, result.output
    assert "deleted 5 stream receipts" in result.output and "(3 batches)" in result.output
    assert _left(receipts) == 2
    with receipts.transaction() as tx:
        assert tx.stream_receipts.claim(_RECENT, utcnow()) == set()  # a redelivery of these is still a no-op
        record = tx.audit.newest(1)[0]
    assert record.action == "stream.receipts_pruned" and record.actor == "cli"
    assert record.payload["deleted"] == 5 and record.payload["batches"] == 3
    assert bastion.invoke(app, ["audit", "verify"]).exit_code == 0


def test_a_second_run_finds_nothing_more_and_says_so(bastion: CliRunner, receipts: Database) -> None:
    assert bastion.invoke(app, ["stream", "prune-receipts"]).exit_code == 0

    again = bastion.invoke(app, ["stream", "prune-receipts"])

    assert again.exit_code == 0 and "deleted 0 stream receipts" in again.output
    assert _left(receipts) == 2


def test_a_retention_shorter_than_redelivery_is_refused_and_deletes_nothing(
    bastion: CliRunner, receipts: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASTION_STREAM_RECEIPT_RETENTION_HOURS", "0.05")  # 3 minutes; redelivery takes 7
    settings.cache_clear()

    result = bastion.invoke(app, ["stream", "prune-receipts"])

    assert result.exit_code == 2 and "not longer than redelivery" in result.output
    assert _left(receipts) == 7
