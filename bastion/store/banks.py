"""Banks, their entries, the matches they make and feedback on them, as the bank code sees them.

Every query of the bank tables lives here; `bastion.banks` decides what to
change (validation, quarantine, retroactive matching) and audits it, this
module only reads and writes rows, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bastion.store.models.banks import BankEntryRow, BankMatchRow, BankRow, BankSubscriptionRow, EntryFeedbackRow
from bastion.store.models.core import ItemRow

_LOOKUP_BATCH = 500  # values per IN (...) query, well under SQLite's and PostgreSQL's parameter limits
_MAX_ENTRY_ID = 2**31 - 1  # ids are INTEGER: 32 bits on PostgreSQL


@dataclass(frozen=True)
class NewEntry:
    """A bank entry as given (validated by `banks.entries`) and as stored: a stored vPDQ entry's value is
    the SHA-256 of its frames, which are in `extra`."""

    kind: str
    value: str
    labels: list[str] = field(default_factory=list)
    source: str | None = None
    confidence: float = 1.0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BankMatch:
    """An item that matched an entry, at a Hamming distance (0 for an exact hash)."""

    entry_id: int
    platform: str
    item_id: str
    distance: int


Pair = tuple[int, str, str]  # (entry id, platform, item id)


def qualified_name(owner: str | None, name: str) -> str:
    """How an operator names a bank: `<platform>/<name>` for a platform's, the bare name for the installation's
    (bank names hold no `/`, so the two never collide)."""
    return name if owner is None else f"{owner}/{name}"


class BankRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # Banks

    def named(self, name: str, owner: str | None = None) -> BankRow | None:
        """The owner's bank of that name (no owner: the installation's); names are unique per owner."""
        mine = BankRow.owner.is_(None) if owner is None else BankRow.owner == owner
        return self._session.scalar(select(BankRow).where(BankRow.name == name, mine))

    def all_named(self, name: str) -> list[BankRow]:
        """Every owner's bank of that name, the installation's first."""
        query = select(BankRow).where(BankRow.name == name).order_by(BankRow.owner.is_not(None), BankRow.owner)
        return list(self._session.scalars(query))

    def by_id(self, bank_id: int) -> BankRow:
        """The bank an entry belongs to (the foreign key guarantees it is there)."""
        return self._session.get_one(BankRow, bank_id)

    def create(
        self,
        name: str,
        description: str,
        *,
        enabled: bool,
        benign: bool,
        category: str,
        pdq_threshold: int | None,
        actor: str,
        owner: str | None = None,
    ) -> BankRow:
        """Store a new bank, the platform's or (no owner) the installation's; its id is set when this returns."""
        row = BankRow(
            name=name,
            owner=owner,
            description=description,
            enabled=enabled,
            benign=benign,
            category=category,
            pdq_threshold=pdq_threshold,
            created_by=actor,
        )
        self._session.add(row)
        self._session.flush()
        return row

    def all(self) -> list[BankRow]:
        return list(self._session.scalars(select(BankRow)))

    def with_entry_counts(self, visible_to: str | None = None) -> list[tuple[BankRow, int]]:
        """Banks by name with their number of active entries: every bank, or those `visible_to` a platform
        (the installation's, its own and those shared with it)."""
        active = select(BankEntryRow.bank_id, func.count()).where(BankEntryRow.state == "active")
        counts = {bank_id: count for bank_id, count in self._session.execute(active.group_by(BankEntryRow.bank_id))}
        query = select(BankRow).order_by(BankRow.name)
        if visible_to is not None:
            shared = select(BankSubscriptionRow.bank_id).where(BankSubscriptionRow.platform == visible_to)
            query = query.where(or_(BankRow.owner.is_(None), BankRow.owner == visible_to, BankRow.id.in_(shared)))
        return [(row, counts.get(row.id, 0)) for row in self._session.scalars(query)]

    def subscribers(self) -> dict[int, set[str]]:
        """The platforms each shared bank is shared with, by bank id."""
        found: dict[int, set[str]] = {}
        for bank_id, platform in self._session.execute(
            select(BankSubscriptionRow.bank_id, BankSubscriptionRow.platform)
        ):
            found.setdefault(bank_id, set()).add(platform)
        return found

    def subscribers_of(self, bank_id: int) -> set[str]:
        query = select(BankSubscriptionRow.platform).where(BankSubscriptionRow.bank_id == bank_id)
        return set(self._session.scalars(query))

    def subscribe(self, bank: BankRow, platform: str, granted_by: str, now: datetime) -> None:
        """Share the bank with the platform; its `updated_at` moves, so bank indexes reload who it applies to."""
        self._session.add(
            BankSubscriptionRow(bank_id=bank.id, platform=platform, granted_by=granted_by, granted_at=now)
        )
        bank.updated_at = now
        self._session.flush()

    def unsubscribe(self, bank: BankRow, platform: str, now: datetime) -> bool:
        """Stop sharing the bank with the platform; False if it was not shared with it."""
        gone = self._session.execute(
            delete(BankSubscriptionRow).where(
                BankSubscriptionRow.bank_id == bank.id, BankSubscriptionRow.platform == platform
            )
        )
        if not gone.rowcount:  # type: ignore[attr-defined]
            return False
        bank.updated_at = now
        return True

    def set_enabled(self, bank: BankRow, enabled: bool, now: datetime) -> None:
        bank.enabled, bank.updated_at = enabled, now

    # Entries

    def entry(self, entry_id: int) -> BankEntryRow | None:
        """The entry, or None; ids no row can have are answered before the driver overflows on them."""
        return self._session.get(BankEntryRow, entry_id) if 0 < entry_id <= _MAX_ENTRY_ID else None

    def entries(self, entry_ids: Collection[int]) -> list[BankEntryRow]:
        return list(self._session.scalars(select(BankEntryRow).where(BankEntryRow.id.in_(entry_ids))))

    def live_entries(self, bank_id: int, since: datetime | None = None) -> list[BankEntryRow]:
        """The bank's active entries in the order they were added, those added from `since` on if given."""
        query = select(BankEntryRow).where(BankEntryRow.bank_id == bank_id, BankEntryRow.state == "active")
        if since is not None:
            query = query.where(BankEntryRow.added_at >= since)
        return list(self._session.scalars(query.order_by(BankEntryRow.id)))

    def states(self, bank_id: int, kind: str, values: Collection[str]) -> dict[str, tuple[int, str]]:
        """(id, state) of those of `values` the bank holds as `kind`, looking up only the values asked about."""
        ordered = sorted(values)
        found: dict[str, tuple[int, str]] = {}
        for start in range(0, len(ordered), _LOOKUP_BATCH):
            # All three columns of the unique index: with bank_id alone, SQLite scans the whole bank per query.
            query = select(BankEntryRow.id, BankEntryRow.value, BankEntryRow.state).where(
                BankEntryRow.bank_id == bank_id,
                BankEntryRow.kind == kind,
                BankEntryRow.value.in_(ordered[start : start + _LOOKUP_BATCH]),
            )
            found.update((value, (entry_id, state)) for entry_id, value, state in self._session.execute(query))
        return found

    def insert_entries(self, bank_id: int, entries: Sequence[NewEntry], actor: str, now: datetime) -> list[int]:
        """Insert active entries with one bulk statement (no ORM object per entry); returns their ids in order."""
        if not entries:
            return []
        rows = [
            {
                "bank_id": bank_id,
                "kind": entry.kind,
                "value": entry.value,
                "labels": entry.labels,
                "source": entry.source,
                "confidence": entry.confidence,
                "added_by": actor,
                "added_at": now,
                "updated_at": now,
                "extra": entry.extra,
            }
            for entry in entries
        ]
        return list(self._session.scalars(insert(BankEntryRow).returning(BankEntryRow.id), rows))

    def revive(self, entry_ids: Collection[int], now: datetime) -> None:
        """Make removed entries active again and pending for retroactive matching."""
        if entry_ids:
            self._session.execute(
                update(BankEntryRow)
                .where(BankEntryRow.id.in_(entry_ids))
                .values(state="active", updated_at=now, retro_matched_at=None)
            )

    def set_state(self, entry: BankEntryRow, state: str, now: datetime, pending: bool) -> None:
        """Change the entry's state; `pending` marks it for retroactive matching again."""
        entry.state, entry.updated_at = state, now
        if pending:
            entry.retro_matched_at = None

    def add_feedback(self, entry_id: int, opinion: str, note: str, actor: str) -> EntryFeedbackRow:
        row = EntryFeedbackRow(entry_id=entry_id, opinion=opinion, note=note, actor=actor)
        self._session.add(row)
        return row

    def added_since(self, since: datetime) -> list[int]:
        """Ids of the entries (of any state) added from `since` on."""
        return list(self._session.scalars(select(BankEntryRow.id).where(BankEntryRow.added_at >= since)))

    # What the in-memory index follows

    def active_entries_after(self, last_id: int) -> list[BankEntryRow]:
        """Active entries with an id above `last_id`, oldest first (ids only grow)."""
        query = select(BankEntryRow).where(BankEntryRow.id > last_id, BankEntryRow.state == "active")
        return list(self._session.scalars(query.order_by(BankEntryRow.id)))

    def marks(self) -> tuple[int, datetime | None]:
        """The newest entry's id (0 if none), and when a bank or an entry last changed or was added (if ever).

        Read in one statement, so the two agree even where each statement sees the newest commits (PostgreSQL)."""
        banks = select(func.max(BankRow.updated_at)).scalar_subquery()
        newest, entries, banks_changed = self._session.execute(
            select(func.coalesce(func.max(BankEntryRow.id), 0), func.max(BankEntryRow.updated_at), banks)
        ).one()
        return int(newest), max((t for t in (entries, banks_changed) if t is not None), default=None)

    def changed_besides_new(self, last_id: int, since: datetime) -> bool:
        """Whether a bank, or an entry with an id up to `last_id`, changed after `since`."""
        edited = select(BankEntryRow.id).where(BankEntryRow.id <= last_id, BankEntryRow.updated_at > since).limit(1)
        banks_edited = select(BankRow.id).where(BankRow.updated_at > since).limit(1)
        return self._session.scalar(edited) is not None or self._session.scalar(banks_edited) is not None

    # Matches

    def pairs_of_items(self, platform: str, item_ids: Collection[str]) -> set[Pair]:
        """The (entry, item) matches already recorded for these items of the platform."""
        return self._pairs(and_(BankMatchRow.platform == platform, BankMatchRow.item_id.in_(item_ids)))

    def pairs_of_entries(self, entry_ids: Collection[int]) -> set[Pair]:
        """The (entry, item) matches already recorded for these entries."""
        return self._pairs(BankMatchRow.entry_id.in_(entry_ids))

    def _pairs(self, where: ColumnElement[bool]) -> set[Pair]:
        query = select(BankMatchRow.entry_id, BankMatchRow.platform, BankMatchRow.item_id).where(where)
        return {(entry_id, platform, item_id) for entry_id, platform, item_id in self._session.execute(query)}

    def add_matches(self, matches: Sequence[BankMatch], now: datetime, retroactive: bool = False) -> None:
        self._session.add_all(
            BankMatchRow(
                entry_id=m.entry_id,
                platform=m.platform,
                item_id=m.item_id,
                distance=m.distance,
                matched_at=now,
                retroactive=retroactive,
            )
            for m in matches
        )
        self._session.flush()

    def match_counts_since(self, since: datetime, more_than: int) -> list[tuple[int, int]]:
        """(entry id, matches) of active entries that matched more than `more_than` items from `since` on."""
        query = (
            select(BankMatchRow.entry_id, func.count())
            .join(BankEntryRow, BankEntryRow.id == BankMatchRow.entry_id)
            .where(BankMatchRow.matched_at >= since, BankEntryRow.state == "active")
            .group_by(BankMatchRow.entry_id)
            .having(func.count() > more_than)
        )
        return [(entry_id, count) for entry_id, count in self._session.execute(query)]

    # Retroactive matching

    def claim_pending(self, limit: int) -> list[int]:
        """Up to `limit` active entries not yet matched against past items; rows another process holds are skipped."""
        query = (
            select(BankEntryRow.id)
            .where(BankEntryRow.retro_matched_at.is_(None), BankEntryRow.state == "active")
            .order_by(BankEntryRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self._session.scalars(query))

    def mark_matched(self, entry_ids: Collection[int], now: datetime) -> None:
        self._session.execute(update(BankEntryRow).where(BankEntryRow.id.in_(entry_ids)).values(retro_matched_at=now))

    def item_media_since(self, since: datetime) -> list[tuple[str, str, dict[str, Any]]]:
        """(item id, its platform, media facts) of the items with media received from `since` on: what past
        items are matched on, and which banks may match them."""
        query = select(ItemRow.id, ItemRow.platform, ItemRow.media).where(
            ItemRow.received_at >= since, ItemRow.media.is_not(None)
        )
        return [(item_id, platform, media or {}) for item_id, platform, media in self._session.execute(query)]
