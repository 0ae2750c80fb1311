"""Banks and their entries in the database; every change is audited in the same transaction."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.banks.vpdq import entry_id_of, parse_frames, serialise
from bastion.core import Bank, Category
from bastion.store.audit import append_audit
from bastion.store.base import utcnow
from bastion.store.models.banks import BankEntryRow, BankRow, EntryFeedbackRow

HASH_KINDS = {"pdq": 64, "md5": 32, "sha256": 64, "vpdq": 0}  # vpdq: a JSON list of frames, any length
_HEX = re.compile(r"^[0-9a-f]+$")
_LOOKUP_BATCH = 500  # values per IN (...) query, well under SQLite's and PostgreSQL's parameter limits
# GIFCT-style labels and the category a match on them means.
LABEL_CATEGORIES = {
    "attacker manifesto": Category.PROPAGANDA,
    "branded terrorist content": Category.PROPAGANDA,
    "attack footage": Category.ATTACK_FOOTAGE,
    "livestreamed attack": Category.ATTACK_FOOTAGE,
    "instruction": Category.INSTRUCTION,
    "recruitment": Category.RECRUITMENT,
}


class BankError(ValueError):
    """A bank operation that cannot be done as asked (unknown bank, bad hash, duplicate name)."""


@dataclass(frozen=True)
class NewEntry:
    kind: str
    value: str
    labels: list[str] = field(default_factory=list)
    source: str | None = None
    confidence: float = 1.0
    extra: dict[str, Any] = field(default_factory=dict)


def valid_hash(kind: str, value: str) -> str:
    """The hash in canonical form (lower-case hex of the right length), or a BankError saying why not."""
    if kind not in HASH_KINDS:
        raise BankError(f"unknown hash kind {kind!r}; expected one of {sorted(HASH_KINDS)}")
    if kind == "vpdq":
        try:
            return serialise(parse_frames(value))
        except ValueError as error:
            raise BankError(str(error)) from None
    value = value.strip().lower()
    if len(value) != HASH_KINDS[kind] or not _HEX.match(value):
        raise BankError(f"{value[:80]!r} is not a {kind} hash ({HASH_KINDS[kind]} hex digits)")
    return value


def create_bank(
    session: Session, bank: Bank, actor: str, category: Category = Category.PROPAGANDA, pdq_threshold: int | None = None
) -> BankRow:
    if session.scalar(select(BankRow.id).where(BankRow.name == bank.name)):
        raise BankError(f"a bank named {bank.name!r} already exists")
    if pdq_threshold is not None and not 0 <= pdq_threshold <= 128:
        raise BankError("a PDQ threshold is a Hamming distance between 0 and 128")
    row = BankRow(
        name=bank.name,
        description=bank.description,
        enabled=bank.enabled,
        benign=bank.benign,
        category=category.value,
        pdq_threshold=pdq_threshold,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    append_audit(
        session,
        action="bank.create",
        subject=f"bank:{bank.name}",
        actor=actor,
        payload={"benign": bank.benign, "category": category.value, "pdq_threshold": pdq_threshold},
    )
    return row


def get_bank(session: Session, name: str) -> BankRow:
    row = session.scalar(select(BankRow).where(BankRow.name == name))
    if row is None:
        raise BankError(f"no bank named {name!r}")
    return row


def list_banks(session: Session) -> list[tuple[BankRow, int]]:
    rows = session.scalars(select(BankRow).order_by(BankRow.name)).all()
    counts: dict[int, int] = {}
    for bank_id in session.scalars(select(BankEntryRow.bank_id).where(BankEntryRow.state == "active")):
        counts[bank_id] = counts.get(bank_id, 0) + 1
    return [(row, counts.get(row.id, 0)) for row in rows]


def set_enabled(session: Session, name: str, enabled: bool, actor: str) -> BankRow:
    row = get_bank(session, name)
    row.enabled = enabled
    row.updated_at = utcnow()
    append_audit(session, action="bank.enable" if enabled else "bank.disable", subject=f"bank:{name}", actor=actor)
    return row


def add_entries(session: Session, name: str, entries: Iterable[NewEntry], actor: str) -> tuple[list[int], int]:
    """Add entries to a bank; returns (ids added, how many were there already). A removed entry is revived."""
    bank = get_bank(session, name)
    now = utcnow()
    wanted = {_stored_key(e): e for e in entries}
    values = sorted({value for _, value in wanted})
    existing = {
        (row.kind, row.value): row
        for start in range(0, len(values), _LOOKUP_BATCH)  # only the rows asked about, not the whole bank
        for row in session.scalars(
            select(BankEntryRow).where(
                BankEntryRow.bank_id == bank.id, BankEntryRow.value.in_(values[start : start + _LOOKUP_BATCH])
            )
        )
        if (row.kind, row.value) in wanted
    }
    added: list[BankEntryRow] = []
    for (kind, value), entry in wanted.items():
        row = existing.get((kind, value))
        if row is not None:
            if row.state == "removed":
                row.state, row.updated_at, row.retro_matched_at = "active", now, None
                added.append(row)
            continue
        row = BankEntryRow(
            bank_id=bank.id,
            kind=kind,
            value=value,
            labels=sorted(set(entry.labels)),
            source=entry.source,
            confidence=entry.confidence,
            added_by=actor,
            added_at=now,
            updated_at=now,
            extra=_stored_extra(entry),
        )
        session.add(row)
        added.append(row)
    session.flush()
    if added:
        append_audit(
            session,
            action="bank.add",
            subject=f"bank:{name}",
            actor=actor,
            payload={"added": len(added), "kinds": sorted({k for k, _ in wanted})},
        )
    return [row.id for row in added], len(wanted) - len(added)


def _stored_key(entry: NewEntry) -> tuple[str, str]:
    """(kind, value column): a vPDQ entry is stored under the SHA-256 of its canonical frame list."""
    value = valid_hash(entry.kind, entry.value)
    return (entry.kind, entry_id_of(value) if entry.kind == "vpdq" else value)


def _stored_extra(entry: NewEntry) -> dict[str, Any]:
    if entry.kind != "vpdq":
        return entry.extra
    return {**entry.extra, "vpdq": json.loads(valid_hash("vpdq", entry.value))}


def signal_value(row: BankEntryRow) -> str:
    """The entry's hash as exchanged with peers (a vPDQ entry's frame list, not its id)."""
    return serialise(parse_frames(json.dumps(row.extra["vpdq"]))) if row.kind == "vpdq" else row.value


def set_entry_state(session: Session, entry_id: int, state: str, actor: str, reason: str = "") -> BankEntryRow:
    entry = session.get(BankEntryRow, entry_id)
    if entry is None:
        raise BankError(f"no bank entry {entry_id}")
    entry.state, entry.updated_at = state, utcnow()
    if state == "active":  # back from quarantine: it missed the items seen meanwhile
        entry.retro_matched_at = None
    append_audit(
        session,
        action=f"bank.entry.{state}",
        subject=f"bank-entry:{entry_id}",
        actor=actor,
        payload={"reason": reason, "value": entry.value, "kind": entry.kind},
    )
    return entry


def record_feedback(session: Session, entry_id: int, opinion: str, actor: str, note: str = "") -> EntryFeedbackRow:
    """Confirm or dispute an entry (typically a third party's), for its source to learn from."""
    if opinion not in ("confirm", "dispute"):
        raise BankError("feedback is 'confirm' or 'dispute'")
    entry = session.get(BankEntryRow, entry_id)
    if entry is None:
        raise BankError(f"no bank entry {entry_id}")
    row = EntryFeedbackRow(entry_id=entry_id, opinion=opinion, note=note, actor=actor)
    session.add(row)
    append_audit(
        session,
        action=f"bank.entry.{opinion}",
        subject=f"bank-entry:{entry_id}",
        actor=actor,
        payload={"note": note, "source": entry.source},
    )
    return row


def entries_of(session: Session, name: str, since: datetime | None = None) -> list[BankEntryRow]:
    bank = get_bank(session, name)
    query = select(BankEntryRow).where(BankEntryRow.bank_id == bank.id, BankEntryRow.state == "active")
    if since is not None:
        query = query.where(BankEntryRow.added_at >= since)
    return list(session.scalars(query.order_by(BankEntryRow.id)))
