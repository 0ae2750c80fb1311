"""Anchors catch what the chain alone cannot: the newest records deleted, or the tail rewritten."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete

from bastion.settings import Settings
from bastion.store.anchors import Anchor, AnchorError, anchor_head, append_anchor, check_anchors, read_anchors
from bastion.store.audit import append_audit
from bastion.store.db import Database
from bastion.store.models.core import AuditRow
from bastion.workers.anchor import anchor_if_moved, anchors_path, audit_anchor_worker, write_anchor
from tests.cli.test_scan import run_bastion

KEY = "a-test-audit-key"
AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _append(db: Database, n: int, start: int = 0) -> None:
    with db.transaction() as tx:
        for i in range(start, start + n):
            tx.audit.append(action="test.event", subject=f"s{i}", actor="tester", payload={"i": i})


def _anchor(db: Database) -> Anchor:
    with db.snapshot() as tx:
        anchor = anchor_head(tx.audit, KEY, AT)
    assert anchor is not None
    return anchor


def _check(db: Database, anchors: list[Anchor], key: str = KEY):  # type: ignore[no-untyped-def]
    with db.snapshot() as tx:
        return tx.audit.verify(), check_anchors(tx.audit, anchors, key)


def _truncate(db: Database, after: int) -> None:
    with db.session() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq > after))


def test_an_anchored_chain_that_only_grew_verifies(db: Database) -> None:
    _append(db, 5)
    anchor = _anchor(db)
    _append(db, 3, start=5)
    chain, anchored = _check(db, [anchor])
    assert chain.ok and chain.records == 8
    assert anchored.ok and anchored.newest == 5 and anchored.anchors == 1


def test_deleting_the_newest_records_fails_and_names_the_anchored_record(db: Database) -> None:
    _append(db, 5)
    anchor = _anchor(db)
    _truncate(db, 3)
    chain, anchored = _check(db, [anchor])
    assert chain.ok  # the chain alone cannot tell: this is what the anchor is for
    assert not anchored.ok
    assert anchored.newest == 5
    assert "anchored record 5" in (anchored.problem or "") and "truncated" in (anchored.problem or "")


def test_a_rewritten_tail_fails_even_when_it_is_as_long(db: Database) -> None:
    _append(db, 5)
    anchor = _anchor(db)
    _truncate(db, 3)
    _append(db, 2, start=100)
    chain, anchored = _check(db, [anchor])
    assert chain.ok and chain.records == 5
    assert not anchored.ok and "record 5" in (anchored.problem or "") and "rewritten" in (anchored.problem or "")


def test_an_anchor_signed_by_another_key_or_edited_is_refused(db: Database) -> None:
    _append(db, 2)
    anchor = _anchor(db)
    assert not _check(db, [anchor], key="another-key")[1].ok
    edited = Anchor(1, anchor.hash, anchor.at, anchor.mac)
    assert "not signed by this key" in (_check(db, [edited])[1].problem or "")


def test_the_anchors_file_is_private_and_append_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "anchors.jsonl"
    first, second = Anchor.sign(1, "a" * 64, AT, KEY), Anchor.sign(2, "b" * 64, AT, KEY)
    append_anchor(path, first)
    append_anchor(path, second)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_anchors(path) == [first, second]
    path.write_text(path.read_text() + "not json\n")
    with pytest.raises(AnchorError, match="line 3"):
        read_anchors(path)


def test_the_worker_anchors_only_when_the_head_moved(db: Database, settings: Settings) -> None:
    assert audit_anchor_worker(db, settings) is None  # no key, no worker
    keyed = settings.model_copy(update={"audit_key": KEY})
    assert audit_anchor_worker(db, keyed) is not None
    assert anchor_if_moved(db, keyed, KEY) is None  # an empty chain has nothing to pin
    _append(db, 2)
    assert anchor_if_moved(db, keyed, KEY) is not None
    assert anchor_if_moved(db, keyed, KEY) is None
    _append(db, 1, start=2)
    write_anchor(db, keyed, KEY)
    assert [a.seq for a in read_anchors(anchors_path(keyed))] == [2, 3]


def test_cli_anchor_then_verify_catches_truncation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for platform in ("one", "two", "three"):
        assert run_bastion(["keys", "create", "--platform", platform], tmp_path).returncode == 0
    shipped = tmp_path / "elsewhere" / "anchors.jsonl"
    assert run_bastion(["audit", "anchor"], tmp_path).returncode == 2  # no key: refused
    monkeypatch.setenv("BASTION_AUDIT_KEY", KEY)
    anchored = run_bastion(["audit", "anchor", "--out", str(shipped)], tmp_path)
    assert anchored.returncode == 0, anchored.stderr.decode()
    assert json.loads(anchored.stdout)["seq"] == 3
    assert run_bastion(["audit", "verify", "--anchor", str(shipped)], tmp_path).returncode == 0
    intact = run_bastion(["audit", "verify"], tmp_path)
    assert intact.returncode == 0 and "1 anchors hold (newest: record 3)" in intact.stdout.decode()

    with sqlite3.connect(tmp_path / "data" / "bastion.db") as connection:
        connection.execute("DELETE FROM audit_log WHERE seq = 3")
    for args in (["audit", "verify"], ["audit", "verify", "--anchor", str(shipped)]):
        result = run_bastion(args, tmp_path)
        assert result.returncode == 1
        assert "anchored record 3" in result.stdout.decode()

    monkeypatch.delenv("BASTION_AUDIT_KEY")
    unkeyed = run_bastion(["audit", "verify"], tmp_path)
    assert unkeyed.returncode == 2 and "BASTION_AUDIT_KEY" in unkeyed.stderr.decode()


def test_anchoring_leaves_the_record_hashes_alone(db: Database) -> None:
    with db.session() as session:
        append_audit(session, action="a", subject="s", actor="t")
    before = _anchor(db).hash
    with db.snapshot() as tx:
        assert tx.audit.head() == (1, before)
