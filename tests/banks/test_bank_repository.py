"""The bank repository on both databases: batched look-ups, revived entries, and the marks the index follows."""

from __future__ import annotations

from datetime import timedelta

from bastion.banks.entries import NewEntry, add_entries, create_bank, set_enabled, set_entry_state
from bastion.core import Bank, utcnow
from bastion.store.db import Database


def _hex(number: int) -> str:
    return f"{number:064x}"


def test_lookups_span_batches_and_removed_entries_come_back(db: Database) -> None:
    with db.transaction() as tx:
        create_bank(tx, Bank(name="many"), "test")
        added, _ = add_entries(tx, "many", [NewEntry("sha256", _hex(n)) for n in range(1_200)], "test")
    with db.transaction() as tx:
        bank = tx.banks.named("many")
        assert bank is not None
        found = tx.banks.states(bank.id, "sha256", [_hex(n) for n in range(1_250)])
        assert len(found) == 1_200  # three IN (...) batches; the 50 unknown values are not there
        assert found[_hex(7)] == (added[7], "active")
        set_entry_state(tx, added[7], "removed", "test")
    with db.transaction() as tx:
        again, existing = add_entries(tx, "many", [NewEntry("sha256", _hex(7)), NewEntry("sha256", _hex(8))], "test")
        assert (again, existing) == ([added[7]], 1)
        assert added[7] in tx.banks.claim_pending(10_000)  # revived: pending retroactive matching again


def test_the_marks_tell_new_entries_from_other_changes(db: Database) -> None:
    with db.snapshot() as tx:
        assert tx.banks.marks() == (0, None)
    with db.transaction() as tx:
        bank_id = create_bank(tx, Bank(name="marked"), "test").id
        [first], _ = add_entries(tx, "marked", [NewEntry("md5", "a" * 32)], "test")
    with db.snapshot() as tx:
        newest, seen = tx.banks.marks()
        assert newest == first and seen is not None
        assert not tx.banks.changed_besides_new(first, seen)
        assert tx.banks.entry(2**40) is None  # no row can have it: answered without asking the driver
    with db.transaction() as tx:
        add_entries(tx, "marked", [NewEntry("md5", "b" * 32)], "test")
    with db.snapshot() as tx:
        assert not tx.banks.changed_besides_new(first, seen)  # only a new entry
        assert [e.value for e in tx.banks.live_entries(bank_id, seen - timedelta(days=1))] == ["a" * 32, "b" * 32]
    with db.transaction() as tx:
        set_enabled(tx, "marked", False, "test")
    with db.snapshot() as tx:
        assert tx.banks.changed_besides_new(first, seen)
        assert (tx.banks.marks()[1] or seen) > seen
        assert tx.banks.added_since(utcnow() + timedelta(hours=1)) == []
