"""The append-only, hash-chained audit log.

Each record's hash covers its own content and the previous record's hash, so
changing, deleting or reordering any record breaks every hash after it.
Appends happen inside the caller's transaction: the audit record and the
change it describes are committed together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Table

from bastion.core import utcnow
from bastion.store.base import SerialisedJSON, execute_core
from bastion.store.dialect import is_postgresql
from bastion.store.models.core import AuditRow

GENESIS = "0" * 64
# Any constant works: it only has to be the same for every writer.
AUDIT_LOCK_KEY = 0x6261_7374_696F_6E


# `json.dumps` with these options builds a new encoder on every call: one, built once, writes the same text.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


def record_hash(prev_hash: str, seq: int, at: datetime, action: str, subject: str, actor: str, payload: Any) -> str:
    return _hash(prev_hash, seq, at, action, subject, actor, canonical_json(payload))


def _hash(prev_hash: str, seq: int, at: datetime, action: str, subject: str, actor: str, payload_json: str) -> str:
    """The hash over the canonical JSON of the record, written out in its sorted key order so that the payload,
    already in canonical JSON, is not serialised a second time (it holds a whole verdict)."""
    text = _text_json
    body = (
        f'{{"action":{text(action)},"actor":{text(actor)},"at":{text(at.isoformat())},'
        f'"payload":{payload_json},"seq":{int(seq)},"subject":{text(subject)}}}'
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _stable_json(payload: Any, text_keys: bool = False, canonical: str | None = None) -> str:
    """The payload's canonical JSON as `verify_chain` will recompute it from what the database hands back.

    That is `canonical_json(payload)` itself unless the payload holds something the database changes:
    - a mapping key that is not a string: JSON turns keys 2 and 10 into "2" and "10", which sort the other
      way round (`text_keys`: the caller knows there is none);
    - a float that PostgreSQL's JSONB keeps as an exact decimal and hands back another way: 1e16 (written
      "1e+16") comes back as the integer 10000000000000000, and -0.0 as 0.0.
    Those payloads are written as the database will read them (on SQLite too, so both keep one chain).
    Such a float leaves "e+" or "-0.0" in the text: a payload without either is not walked for floats.
    `canonical`: the payload's `canonical_json`, when the caller has it already."""
    first = canonical_json(payload) if canonical is None else canonical
    floats = "e+" in first or "-0.0" in first
    if (floats or not text_keys) and _read_back_differs(payload, floats):
        return canonical_json(_as_read_back(json.loads(first)))
    return first


def _read_back_differs(value: Any, floats: bool = True) -> bool:
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if any(not isinstance(key, str) for key in node):
                return True
            pending.extend(node.values())
        elif isinstance(node, list | tuple):
            pending.extend(node)
        elif floats and isinstance(node, float) and _jsonb_changes(node):
            return True
    return False


def _jsonb_changes(number: float) -> bool:
    return "e+" in repr(number) or (number == 0.0 and math.copysign(1.0, number) < 0)


def _as_read_back(value: Any) -> Any:
    """A parsed payload with each float JSONB would change as JSONB hands it back."""
    if isinstance(value, dict):
        return {key: _as_read_back(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_read_back(item) for item in value]
    if isinstance(value, float) and _jsonb_changes(value):
        return 0.0 if value == 0.0 else int(Decimal(repr(value)))  # -0.0, or a float written with "e+"
    return value


def _text_json(value: str) -> str:
    return encode_basestring(value)  # what json.dumps(value, ensure_ascii=False) returns, without building an encoder


@dataclass(frozen=True)
class AuditEntry:
    action: str
    subject: str
    actor: str
    payload: dict[str, Any] = field(default_factory=dict)
    # Every mapping key in the payload is a string (pydantic's JSON mode made it): its keys need no walk.
    text_keys: bool = False
    canonical: str | None = None  # the payload's canonical JSON, when the caller wrote it already


def append_audit(
    session: Session,
    *,
    action: str,
    subject: str,
    actor: str,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Append one record to the chain, in the caller's transaction; returns its sequence number."""
    return append_audit_many(session, [AuditEntry(action, subject, actor, payload or {})], at)[0]


def append_audit_many(session: Session, entries: list[AuditEntry], at: datetime | None = None) -> list[int]:
    """Append records in order with one read of the chain head; returns their sequence numbers."""
    if not entries:
        return []
    if is_postgresql(session):
        session.execute(_TAKE_AUDIT_LOCK, {"key": AUDIT_LOCK_KEY})
    # The select autoflushes, so records added earlier in this transaction are part of the chain.
    head = session.execute(_HEAD).first()
    seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS)
    at = at or utcnow()
    rows: list[dict[str, Any]] = []
    for entry in entries:
        seq += 1
        subject, actor = entry.subject[:256], entry.actor[:128]
        payload_json = _stable_json(entry.payload, entry.text_keys, entry.canonical)
        digest = _hash(prev_hash, seq, at, entry.action, subject, actor, payload_json)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "action": entry.action,
                "subject": subject,
                "actor": actor,
                "payload": SerialisedJSON(payload_json),
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    execute_core(session, _INSERT, rows)
    return [int(row["seq"]) for row in rows]


# Built once: building them took as long as running them. The records go in as a core insert: the ORM's bulk
# path (mapping each row onto `AuditRow`) cost more than the statement.
_TAKE_AUDIT_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_HEAD = select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
_AUDIT: Table = AuditRow.__table__  # type: ignore[assignment]
_INSERT = insert(_AUDIT)


@dataclass(frozen=True)
class ChainReport:
    records: int
    first_broken: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in order and name the first record that does not fit."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for row in _rows(session, batch):
        count += 1
        if row.seq != expected_seq:
            return ChainReport(count, row.seq, f"record {expected_seq} is missing (next is {row.seq})")
        if row.prev_hash != prev_hash:
            return ChainReport(count, row.seq, "its prev_hash does not match the record before it")
        actual = record_hash(row.prev_hash, row.seq, row.at, row.action, row.subject, row.actor, row.payload)
        if actual != row.hash:
            return ChainReport(count, row.seq, "its content does not match its hash (edited after writing)")
        prev_hash, expected_seq = row.hash, row.seq + 1
    return ChainReport(count, None, None)


def _rows(session: Session, batch: int) -> Iterator[AuditRow]:
    after = 0
    while True:
        rows = session.scalars(select(AuditRow).where(AuditRow.seq > after).order_by(AuditRow.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        session.expunge_all()


class AuditRepository:
    """The audit log as the rest of Bastion sees it: append in the caller's transaction, read, verify."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def append(
        self,
        *,
        action: str,
        subject: str,
        actor: str,
        payload: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> int:
        return append_audit(self._session, action=action, subject=subject, actor=actor, payload=payload, at=at)

    def append_many(self, entries: list[AuditEntry], at: datetime | None = None) -> list[int]:
        return append_audit_many(self._session, entries, at)

    def has(self, action: str, subject: str) -> bool:
        """Whether a record of this action on this subject exists (first-time-only records)."""
        found = select(AuditRow.seq).where(AuditRow.action == action, AuditRow.subject == subject).limit(1)
        return self._session.scalar(found) is not None

    def newest(self, limit: int = 100) -> list[AuditRow]:
        return list(self._session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)))

    def head(self) -> tuple[int, str] | None:
        """The newest record's (seq, hash), or None for an empty chain: what an anchor pins."""
        row = self._session.execute(_HEAD).first()
        return (row.seq, row.hash) if row else None

    def hashes_of(self, seqs: list[int], batch: int = 500) -> dict[int, str]:
        """The hash of each of these records that still exists (a missing seq is absent from the answer)."""
        found: dict[int, str] = {}
        for start in range(0, len(seqs), batch):
            chunk = seqs[start : start + batch]
            rows = self._session.execute(select(AuditRow.seq, AuditRow.hash).where(AuditRow.seq.in_(chunk)))
            found.update({row.seq: row.hash for row in rows})
        return found

    def count(self) -> int:
        """Records in the chain (sequence numbers start at 1 with no gaps in a valid chain)."""
        return int(self._session.scalar(select(AuditRow.seq).order_by(AuditRow.seq.desc()).limit(1)) or 0)

    def verify(self, batch: int = 5000) -> ChainReport:
        return verify_chain(self._session, batch)
