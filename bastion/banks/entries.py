"""Banks and their entries: what an entry may hold, who may use or change which bank, and every change
to a bank, audited in the same transaction.

The rows are read and written through `tx.banks` (bastion/store/banks.py); this
module validates what comes from outside and decides what to change.

Banks belong to platforms. A bank made over the API is its platform's: it
matches that platform's items and only that platform's keys change it. An
operator may share it with other platforms, for which it matches too and which
may read but not change it. A bank made by an operator (the CLI, the demo, a
reviewer's case) has no owner: an installation bank, matching every platform's
items, read-only to every key. `platform=None` below is an operator's call
(the CLI, the web UI): every bank, every change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from bastion.banks.vpdq import entry_id_of, parse_frames, serialise
from bastion.core import Bank, Category, utcnow
from bastion.store.banks import NewEntry, qualified_name
from bastion.store.models.banks import BankEntryRow, BankRow, EntryFeedbackRow
from bastion.store.transaction import Transaction
from bastion.wire import unpaired_surrogate

HASH_KINDS = {"pdq": 64, "md5": 32, "sha256": 64, "vpdq": 0}  # vpdq: a JSON list of frames, any length
_HEX = re.compile(r"^[0-9a-f]+$")
# Entries written per INSERT: memory stays flat however long the file, and each batch is one round trip.
_WRITE_BATCH = 2_000
_MAX_SOURCE = 256  # the column's length
_BANK_NAME = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,127}$")  # a leading '-' would read as a CLI option
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


class ReadOnlyBank(BankError):
    """A platform asked to change a bank it may only use: an installation bank or one shared with it."""


def applies_to(owner: str | None, subscribers: Collection[str], platform: str | None) -> bool:
    """Whether a bank owned by `owner` and shared with `subscribers` matches `platform`'s items and is
    visible to its keys. No platform (evaluation, dry runs) sees the installation banks only."""
    return owner is None or (platform is not None and (owner == platform or platform in subscribers))


def _usable(tx: Transaction, bank: BankRow, platform: str | None, write: bool, missing: str) -> BankRow:
    """The bank, if `platform` may use it (and change it, with `write`); a bank it cannot see is `missing`,
    so another platform's private bank is never revealed to exist."""
    if platform is None:
        return bank
    if not applies_to(bank.owner, tx.banks.subscribers_of(bank.id), platform):
        raise BankError(missing)
    if write and bank.owner != platform:
        whose = "an installation bank" if bank.owner is None else "shared with this platform"
        raise ReadOnlyBank(f"bank {bank.name!r} is {whose}: it can be used, not changed")
    return bank


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


def valid_entry(entry: NewEntry) -> NewEntry:
    """The entry with its hash in canonical form, or a BankError saying what is wrong, before any INSERT sees it.

    Every way in (files, the API, media, review) comes through here: the database
    refuses NaN, unpaired surrogates and non-string sources only with a traceback."""
    if not isinstance(entry.kind, str) or not isinstance(entry.value, str):
        raise BankError("a hash and its kind are strings")
    value = valid_hash(entry.kind, entry.value)
    if entry.source is not None:
        valid_text("source", entry.source, _MAX_SOURCE)
    if not isinstance(entry.labels, list):
        raise BankError("labels are a list of strings")
    for label in entry.labels:
        valid_text("a label", label)
    return NewEntry(entry.kind, value, entry.labels, entry.source, _valid_confidence(entry.confidence), entry.extra)


def valid_text(what: str, value: object, max_length: int | None = None) -> str:
    """A string from outside that the database and JSON encoders can keep, or a BankError naming `what`."""
    if not isinstance(value, str):
        raise BankError(f"{what} must be a string, not {type(value).__name__}")
    if unpaired_surrogate(value):
        raise BankError(f"{what} is not valid Unicode (it holds an unpaired surrogate)")
    if max_length is not None and len(value) > max_length:
        raise BankError(f"{what} is {len(value)} characters; the limit is {max_length}")
    return value


def valid_bank_name(name: str) -> str:
    if not _BANK_NAME.match(name):
        raise BankError("a bank name is 1 to 128 letters, digits, '.', '_' or '-', and does not start with '-'")
    return name


def _valid_confidence(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:  # NaN fails 0 <= NaN
        raise BankError(f"confidence {value!r} is not a number between 0 and 1")
    return float(value)


def _entry(tx: Transaction, entry_id: int, platform: str | None = None) -> BankEntryRow:
    """The entry, if `platform` may change its bank (every entry for an operator)."""
    entry = tx.banks.entry(entry_id)
    if entry is None:
        raise BankError(f"no bank entry {entry_id}")
    if platform is not None:
        bank = tx.banks.by_id(entry.bank_id)
        _usable(tx, bank, platform, True, f"no bank entry {entry_id}")
    return entry


def create_bank(
    tx: Transaction,
    bank: Bank,
    actor: str,
    category: Category = Category.PROPAGANDA,
    pdq_threshold: int | None = None,
    owner: str | None = None,
) -> BankRow:
    """A new bank: the `owner` platform's, or with no owner an installation bank (an operator's)."""
    valid_bank_name(bank.name)
    valid_text("the description", bank.description)
    if _taken(tx, bank.name, owner):
        raise BankError(f"a bank named {bank.name!r} already exists")
    if pdq_threshold is not None and not 0 <= pdq_threshold <= 128:
        raise BankError("a PDQ threshold is a Hamming distance between 0 and 128")
    row = tx.banks.create(
        bank.name,
        bank.description,
        enabled=bank.enabled,
        benign=bank.benign,
        category=category.value,
        pdq_threshold=pdq_threshold,
        actor=actor,
        owner=owner,
    )
    tx.audit.append(
        action="bank.create",
        subject=bank_subject(row),
        actor=actor,
        payload={"benign": bank.benign, "category": category.value, "pdq_threshold": pdq_threshold, "owner": owner},
    )
    return row


def _taken(tx: Transaction, name: str, owner: str | None) -> bool:
    """Whether a new bank of `owner` by that name would share it with a bank its platform sees (its own, the
    installation's, one shared with it); an installation bank, which every platform sees, with any bank."""
    if owner is None:
        return bool(tx.banks.all_named(name))
    return any(applies_to(b.owner, tx.banks.subscribers_of(b.id), owner) for b in tx.banks.all_named(name))


def bank_subject(bank: BankRow) -> str:
    """A bank's audit subject: `bank:<name>` for the installation's, `bank:<platform>/<name>` for a platform's."""
    return f"bank:{qualified_name(bank.owner, bank.name)}"


def get_bank(tx: Transaction, name: str, platform: str | None = None, *, write: bool = False) -> BankRow:
    """The bank of that name that `platform` sees (and may change, with `write`). Names are unique per owner, and
    a platform sees no two banks of one name; an operator (no platform) names a platform's bank `<platform>/<name>`
    when the bare name is not enough."""
    missing = f"no bank named {name!r}"
    if platform is not None:
        seen = [b for b in tx.banks.all_named(name) if applies_to(b.owner, tx.banks.subscribers_of(b.id), platform)]
        if not seen:
            raise BankError(missing)
        return _usable(tx, seen[0], platform, write, missing)
    owner, _, bare = name.rpartition("/")
    found = [tx.banks.named(bare, owner)] if owner else tx.banks.all_named(name)
    rows = [row for row in found if row is not None]
    if not rows:
        raise BankError(missing)
    if len(rows) > 1:
        owners = ", ".join(qualified_name(row.owner, row.name) for row in rows)
        raise BankError(f"several banks are named {name!r}: name one of {owners}")
    return rows[0]


def list_banks(tx: Transaction, platform: str | None = None) -> list[tuple[BankRow, int]]:
    """The banks `platform` may see (every bank for an operator) by name, with their number of live entries."""
    return [(bank, count) for bank, count in tx.banks.with_entry_counts(platform) if bank.holds == "hashes"]


def share_bank(tx: Transaction, name: str, platform: str, actor: str) -> BankRow:
    """Let `platform` use a platform's bank, read-only (an operator's act): it matches that platform's items too."""
    row = get_bank(tx, name)
    if row.owner is None:
        raise BankError(f"bank {name!r} is an installation bank: it applies to every platform already")
    if platform == row.owner or platform in tx.banks.subscribers_of(row.id):
        raise BankError(f"bank {name!r} already applies to {platform!r}")
    if _taken(tx, row.name, platform):
        raise BankError(f"{platform!r} already sees a bank named {row.name!r}; two of one name would be ambiguous")
    valid_text("the platform", platform, 128)
    tx.banks.subscribe(row, platform, actor, utcnow())
    tx.audit.append(action="bank.share", subject=bank_subject(row), actor=actor, payload={"platform": platform})
    return row


def unshare_bank(tx: Transaction, name: str, platform: str, actor: str) -> BankRow:
    """Stop sharing a bank with `platform`: its items are no longer matched against it."""
    row = get_bank(tx, name)
    if not tx.banks.unsubscribe(row, platform, utcnow()):
        raise BankError(f"bank {name!r} is not shared with {platform!r}")
    tx.audit.append(action="bank.unshare", subject=bank_subject(row), actor=actor, payload={"platform": platform})
    return row


def set_enabled(tx: Transaction, name: str, enabled: bool, actor: str, platform: str | None = None) -> BankRow:
    row = get_bank(tx, name, platform, write=True)
    tx.banks.set_enabled(row, enabled, utcnow())
    tx.audit.append(action="bank.enable" if enabled else "bank.disable", subject=bank_subject(row), actor=actor)
    return row


def add_entries(
    tx: Transaction, name: str, entries: Iterable[NewEntry], actor: str, platform: str | None = None
) -> tuple[list[int], int]:
    """Add entries to a bank; returns (ids added, how many were there already). A removed entry is revived.

    `entries` is read a batch at a time (a file can be streamed), but all in the caller's
    transaction: an entry that fails validation, anywhere in the file, leaves nothing added.
    An entry repeated in the input counts as already there the second time. A platform adds only to its own banks."""
    bank = get_bank(tx, name, platform, write=True)
    if bank.holds != "hashes":
        raise BankError(f"bank {name!r} holds symbols, not hashes: add to it with `bastion symbols add`")
    now = utcnow()
    added: list[int] = []
    seen = 0
    kinds: set[str] = set()
    for batch in _batches(entries, _WRITE_BATCH):
        wanted = {_stored_key(entry): entry for entry in map(valid_entry, batch)}
        added += _write_batch(tx, bank.id, wanted, actor, now)
        seen += len(batch)
        kinds.update(kind for kind, _ in wanted)
    if added:
        tx.audit.append(
            action="bank.add",
            subject=bank_subject(bank),
            actor=actor,
            payload={"added": len(added), "kinds": sorted(kinds)},
        )
    return added, seen - len(added)


def _batches(entries: Iterable[NewEntry], size: int) -> Iterator[list[NewEntry]]:
    iterator = iter(entries)
    while batch := list(islice(iterator, size)):
        yield batch


def _write_batch(
    tx: Transaction, bank_id: int, wanted: dict[tuple[str, str], NewEntry], actor: str, now: datetime
) -> list[int]:
    """Insert the new entries and revive removed ones; returns their ids (revived first)."""
    existing = {
        (kind, value): found
        for kind in {kind for kind, _ in wanted}
        for value, found in tx.banks.states(bank_id, kind, [v for k, v in wanted if k == kind]).items()
    }
    revived = [entry_id for entry_id, state in existing.values() if state == "removed"]
    tx.banks.revive(revived, now)
    new = [
        NewEntry(kind, value, sorted(set(entry.labels)), entry.source, entry.confidence, _stored_extra(entry))
        for (kind, value), entry in wanted.items()
        if (kind, value) not in existing
    ]
    return revived + tx.banks.insert_entries(bank_id, new, actor, now)


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


def set_entry_state(
    tx: Transaction, entry_id: int, state: str, actor: str, reason: str = "", platform: str | None = None
) -> BankEntryRow:
    valid_text("the reason", reason)
    entry = _entry(tx, entry_id, platform)
    # Back from quarantine (or removal), it missed the items seen meanwhile: match it against them again.
    tx.banks.set_state(entry, state, utcnow(), pending=state == "active")
    tx.audit.append(
        action=f"bank.entry.{state}",
        subject=f"bank-entry:{entry_id}",
        actor=actor,
        payload={"reason": reason, "value": entry.value, "kind": entry.kind},
    )
    return entry


def record_feedback(
    tx: Transaction, entry_id: int, opinion: str, actor: str, note: str = "", platform: str | None = None
) -> EntryFeedbackRow:
    """Confirm or dispute an entry (typically a third party's), for its source to learn from."""
    if opinion not in ("confirm", "dispute"):
        raise BankError("feedback is 'confirm' or 'dispute'")
    valid_text("the note", note)
    entry = _entry(tx, entry_id, platform)
    row = tx.banks.add_feedback(entry_id, opinion, note, actor)
    tx.audit.append(
        action=f"bank.entry.{opinion}",
        subject=f"bank-entry:{entry_id}",
        actor=actor,
        payload={"note": note, "source": entry.source},
    )
    return row


def entries_of(
    tx: Transaction, name: str, since: datetime | None = None, platform: str | None = None
) -> list[BankEntryRow]:
    """The bank's live entries, oldest first (those added from `since` on, if given), if `platform` may see it."""
    return tx.banks.live_entries(get_bank(tx, name, platform).id, since)
