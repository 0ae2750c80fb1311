"""On PostgreSQL a batch goes in as one statement per table (its rows as arrays, unnested): every row exactly as
the row-by-row path writes it, and the same checks on each value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError

from bastion.core import Action, Category, Item, Kind, Media, Priority, RuleRef, Signal, Verdict
from bastion.store import base
from bastion.store.audit import AuditEntry
from bastion.store.base import JSONType, SerialisedJSON, UTCDateTime, execute_core
from bastion.store.db import Database
from bastion.store.transaction import Transaction

pytestmark = pytest.mark.postgres

_FIRST = datetime(2026, 12, 7, 9, 30, 0, 123456, tzinfo=UTC)
_AGAIN = _FIRST + timedelta(minutes=7)
_TABLES = {
    "items": "platform, id",
    "verdicts": "platform, item_id",
    "cases": "id",
    "audit_log": "seq",
    "rule_fires": "rule, version, hour, shadow",
    "action_outbox": "id",
}


def _verdict(item_id: str, action: Action, score: float, priority: int, **extra: object) -> Verdict:
    flagged = action is not Action.ALLOW
    return Verdict(
        id=item_id,
        action=action,
        score=score,
        categories=[Category.RECRUITMENT, Category.PROPAGANDA] if flagged else [],
        priority=priority,
        rules=[RuleRef(name="fictional-brigade", version=3, action=action)] if flagged else [],
        policy_version="policy-ü-7",
        **extra,  # type: ignore[arg-type]
    )


def _first_batch() -> list[tuple[Item, Verdict]]:
    hashes = Signal(
        detector="hash", version="1", category=Category.PROPAGANDA, score=0.9, evidence={"hashes": {"pdq": "ab" * 32}}
    )
    return [
        (
            Item(id="u-1", text="Café ✓ 日本語 \u2028 'quoted' \"double\" {braces} back\\slash", author="ädä"),
            _verdict("u-1", Action.ALLOW, 0.01, Priority.NONE, lang="fr"),
        ),
        (
            Item(
                id="u-2",
                text="Join the Crimson Dawn Brigade",
                lang="en",
                surface="comment",
                created_at=datetime(2026, 12, 7, 11, 0, tzinfo=timezone(timedelta(hours=2))),
                metadata={"thread": "t-9", "nested": {"n": [1, 2.5, None, True], "ü": "✓"}, "empty": {}},
            ),
            _verdict("u-2", Action.REVIEW, 0.71, Priority.HIGH_SCORE, rule_errors=["a rule that could not read"]),
        ),
        (
            Item(id="u-3", kind=Kind.IMAGE, media=Media(url="https://example.test/p.png", content_type="image/png")),
            _verdict("u-3", Action.REMOVE, 0.99, Priority.HASH_MATCH, signals=[hashes]),
        ),
        (Item(id="u-4", text=""), _verdict("u-4", Action.ALLOW, 0.0, Priority.NONE)),
        # The same id twice in one batch: the later verdict is the one stored, both are audited.
        (Item(id="u-4", text="A picnic, second thoughts"), _verdict("u-4", Action.REVIEW, 0.5, Priority.LOW)),
    ]


def _rechecks() -> list[tuple[Item, Verdict]]:
    return [
        (Item(id="u-1", text="Café, now edited", author=None), _verdict("u-1", Action.REVIEW, 0.6, Priority.LOW)),
        (Item(id="u-2", text="Join the Crimson Dawn"), _verdict("u-2", Action.REMOVE, 0.95, Priority.HASH_MATCH)),
        (Item(id="u-5", text="The council meets on Tuesday"), _verdict("u-5", Action.ALLOW, 0.02, Priority.NONE)),
    ]


def _record(tx: Transaction, checked: list[tuple[Item, Verdict]], now: datetime) -> None:
    tx.items.record_checked(checked, "forum", now)
    hour = now.replace(minute=0, second=0, microsecond=0)
    tx.rules.add_fires(
        hour, {("fictional-brigade", 3, False): 2, ("fictional-brigade", 3, True): 1, ("*", 0, False): 5}
    )
    flagged = [v for _, v in checked if v.action is not Action.ALLOW]
    tx.outbox.enqueue_many([("forum", v.id, v.action.value, {"score": v.score, "note": None}) for v in flagged], now)
    payloads: list[dict[Any, Any]] = [
        {"large": 1e16, "zero": -0.0},
        {2: "two", 10: "ten"},
        {"text": "ü\u2028✓", "none": None},
    ]
    tx.audit.append_many([AuditEntry("test.awkward", f"s-{n}", "tester", p) for n, p in enumerate(payloads)], now)


def _record_both_batches(url: str) -> dict[str, list[str]]:
    """Each table's rows as PostgreSQL writes them out as text (JSON null and SQL NULL differ), in key order."""
    db = Database.from_url(url)
    try:
        with db.transaction() as tx:
            _record(tx, _first_batch(), _FIRST)
        with db.transaction() as tx:
            _record(tx, _rechecks(), _AGAIN)
        with db.transaction() as tx:  # a raised case is stamped with the wall clock (the ORM's onupdate)
            tx.session.execute(text("UPDATE cases SET updated_at = opened_at WHERE version > 1"))
        with db.snapshot() as tx:
            assert tx.audit.verify().ok
            return {
                table: list(tx.session.scalars(text(f"SELECT CAST(t AS text) FROM {table} AS t ORDER BY {keys}")))
                for table, keys in _TABLES.items()
            }
    finally:
        db.dispose()


def _row_by_row(connection: Connection, statement: object, rows: list[dict[str, object]]) -> object:
    return connection.execute(statement, rows)  # type: ignore[call-overload]


def test_a_batch_unnested_writes_every_row_as_row_by_row_does(
    pg_databases: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(base, "_insert_unnested", _row_by_row)
        expected = _record_both_batches(pg_databases())
    base._unnesting.cache_clear()

    written = _record_both_batches(pg_databases())

    assert base._unnesting.cache_info().currsize >= len(_TABLES)  # every table went through the arrays
    assert all(expected.values())
    assert written == expected


def test_a_value_too_long_for_its_column_is_refused_not_cut(pg_databases: Callable[[], str]) -> None:
    db = Database.from_url(pg_databases())
    try:
        with pytest.raises(DataError, match="too long"), db.transaction() as tx:
            tx.outbox.enqueue_many([("forum", "u-1", "x" * 33, {})], _FIRST)  # the action column holds 32
    finally:
        db.dispose()


def test_a_time_without_its_zone_is_refused(pg_databases: Callable[[], str]) -> None:
    db = Database.from_url(pg_databases())
    try:
        with pytest.raises(ValueError, match="naive"), db.transaction() as tx:
            tx.outbox.enqueue_many([("forum", "u-1", "remove", {})], _FIRST.replace(tzinfo=None))
    finally:
        db.dispose()


def _probe(name: str) -> Table:
    return Table(
        name,
        MetaData(),
        Column("key", Integer, primary_key=True),
        Column("number", Float),
        Column("label", String(16)),
        Column("doc", JSONType),
        Column("at", UTCDateTime()),
        Column("version", Integer, default=7),
    )


def test_mixed_numbers_empty_texts_and_defaults_go_in_as_row_by_row(pg_databases: Callable[[], str]) -> None:
    rows: list[dict[str, object]] = [
        {
            "key": 1,
            "number": 1,
            "label": 'ü ✓ "q"',
            "doc": {"a": [1, None]},
            "at": _FIRST.astimezone(timezone(timedelta(hours=-5))),
        },
        {"key": 2, "number": 2.5, "label": "", "doc": None, "at": None},
        {"key": 3, "number": None, "label": None, "doc": SerialisedJSON('{"b":2}'), "at": _AGAIN},
    ]
    db = Database.from_url(pg_databases())
    try:
        expected, written = _probe("probe_row_by_row"), _probe("probe_unnested")
        for table in (expected, written):
            table.create(db.engine)
        with db.session() as session:
            _row_by_row(session.connection(), insert(expected), rows)
            execute_core(session, insert(written), rows)
            read = [
                list(session.scalars(text(f"SELECT CAST(t AS text) FROM {t.name} AS t ORDER BY key")))
                for t in (expected, written)
            ]
    finally:
        db.dispose()

    assert read[0][0].endswith(",7)")  # the column's default, in rows that leave it out
    assert read[1] == read[0]
