"""The hash-chained audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, update

from bastion.store.audit import AuditEntry, append_audit, canonical_json, record_hash, verify_chain
from bastion.store.db import Database
from bastion.store.models.core import AuditRow


def _append(db: Database, n: int, actor: str = "tester") -> None:
    for i in range(n):
        with db.session() as session:
            append_audit(session, action="test.event", subject=f"s{i}", actor=actor, payload={"i": i, "f": 0.1})


def _verify(db: Database):  # type: ignore[no-untyped-def]
    with db.reader() as session:
        return verify_chain(session)


def test_an_untouched_chain_verifies(db: Database) -> None:
    _append(db, 5)
    report = _verify(db)
    assert report.ok
    assert report.records == 5


def test_an_edited_payload_is_named_as_the_first_broken_record(db: Database) -> None:
    _append(db, 5)
    with db.session() as session:
        session.execute(update(AuditRow).where(AuditRow.seq == 3).values(payload={"i": 99}))
    report = _verify(db)
    assert not report.ok
    assert report.first_broken == 3
    assert "edited" in (report.reason or "")


def test_a_deleted_record_is_caught(db: Database) -> None:
    _append(db, 5)
    with db.session() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 2))
    report = _verify(db)
    assert report.first_broken == 3
    assert "missing" in (report.reason or "")


def test_a_rewritten_hash_breaks_the_next_link(db: Database) -> None:
    _append(db, 4)
    with db.session() as session:
        session.execute(update(AuditRow).where(AuditRow.seq == 2).values(actor="someone else", hash="f" * 64))
    assert _verify(db).first_broken == 2


def test_a_failed_transaction_leaves_no_audit_record(db: Database) -> None:
    try:
        with db.session() as session:
            append_audit(session, action="doomed", subject="x", actor="t")
            raise RuntimeError("crash after the audit append")
    except RuntimeError:
        pass
    assert _verify(db).records == 0


def test_concurrent_writers_keep_one_unbroken_chain(db: Database) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda w: _append(db, 10, actor=f"w{w}"), range(4)))
    report = _verify(db)
    assert report.ok
    assert report.records == 40


_AWKWARD_PAYLOADS = [
    {"keys": {2: "two", 10: "ten"}},  # sort as numbers before JSON, as strings after
    {"nested": [{"b": 1, "a": [1.5, 0.1, 2.0, None, True]}], "ünï": "çødé ✓", "quote": 'say "x"\n'},
    {"when": date(2026, 12, 6), "big": 2**70},  # a date is serialised by str(), then stored as text
    {},
]


def test_every_payload_reads_back_as_stored_and_the_chain_verifies(db: Database) -> None:
    for number, payload in enumerate(_AWKWARD_PAYLOADS):
        with db.session() as session:
            append_audit(session, action="test.awkward", subject=f"p{number}", actor="tester", payload=payload)

    with db.reader() as session:
        stored = [row.payload for row in session.query(AuditRow).order_by(AuditRow.seq)]
    assert stored == [json.loads(canonical_json(payload)) for payload in _AWKWARD_PAYLOADS]
    assert _verify(db).ok


def test_numbers_postgresql_writes_another_way_still_verify(db: Database) -> None:
    """JSONB keeps numbers as exact decimals: 1e16 (JSON "1e+16") comes back as an integer and -0.0 as 0.0."""
    payload = {"large": 1e16, "larger": [1.2345e20, -3e300], "zero": -0.0, "small": 1e-7, "whole": 2.0}
    with db.session() as session:
        append_audit(session, action="test.numbers", subject="n", actor="tester", payload=payload)

    with db.reader() as session:
        stored = session.query(AuditRow).one().payload
    assert stored["large"] == 10**16 and stored["small"] == 1e-7 and stored["whole"] == 2.0
    assert stored["larger"][0] == 123450000000000000000
    assert _verify(db).ok


@pytest.mark.parametrize(
    ("action", "subject", "actor", "payload"),
    [
        ("verdict", "item:forum/a1", "platform:forum", {"score": 0.85, "signals": [{"evidence": {"ü": "✓"}}]}),
        ("case.open", 'item:x/"quoted"\\path', "system", {}),
        ("note", "item:x/\u2028line", "user:ada", {"n": [1, 2.5, None, True]}),
    ],
)
def test_a_record_hashes_as_the_canonical_json_of_the_whole_record(
    action: str, subject: str, actor: str, payload: dict[str, object]
) -> None:
    """Chains written before the payload was serialised once must still verify: the same bytes are hashed."""
    at = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
    whole = {"seq": 7, "at": at.isoformat(), "action": action, "subject": subject, "actor": actor, "payload": payload}
    expected = hashlib.sha256(("f" * 64 + canonical_json(whole)).encode()).hexdigest()

    assert record_hash("f" * 64, 7, at, action, subject, actor, payload) == expected


def test_payloads_with_text_keys_still_store_floats_as_they_read_back(db: Database) -> None:
    """`text_keys` spares the walk over keys, not the one over floats: "1e+16" and "-0.0" are found in the text,
    and a string that only looks like them changes nothing."""
    entries = [
        AuditEntry("test.text", "t1", "tester", {"large": 1e16, "zero": -0.0, "small": 0.5}, text_keys=True),
        AuditEntry("test.text", "t2", "tester", {"note": "type+e+ and -0.0 as words", "n": 0.25}, text_keys=True),
    ]
    with db.transaction() as tx:
        tx.audit.append_many(entries)

    with db.reader() as session:
        stored = [row.payload for row in session.query(AuditRow).order_by(AuditRow.seq)]
    assert stored == [{"large": 10**16, "zero": 0.0, "small": 0.5}, {"note": "type+e+ and -0.0 as words", "n": 0.25}]
    assert _verify(db).ok
