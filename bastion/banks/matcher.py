"""Match media hashes against the enabled banks that apply to the item's platform, with the false-positive defences.

The matcher keeps its index in memory and follows the database: entries added
since the last look are appended (ids only grow), so a new entry matches
within `refresh_seconds` without a rebuild; a removal, quarantine or bank
change (rare) reloads everything. Which platforms each bank applies to (its
owner, its subscribers, or all for an installation bank) is reloaded with the
banks on every refresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bastion.banks.entries import LABEL_CATEGORIES, applies_to
from bastion.banks.index import PdqIndex
from bastion.banks.vpdq import VideoCoverage, coverage, usable
from bastion.core import Category
from bastion.media.hashing import MediaHashes
from bastion.media.video import VideoFrame
from bastion.store.db import Database
from bastion.store.models.banks import BankEntryRow, BankRow
from bastion.store.transaction import Transaction


@dataclass(frozen=True)
class BankInfo:
    name: str
    enabled: bool
    benign: bool
    category: Category
    pdq_threshold: int | None
    owner: str | None = None  # None: an installation bank
    subscribers: frozenset[str] = frozenset()

    def applies_to(self, platform: str | None) -> bool:
        return applies_to(self.owner, self.subscribers, platform)


@dataclass(frozen=True)
class EntryInfo:
    bank_id: int
    kind: str
    value: str
    labels: tuple[str, ...]
    source: str | None
    confidence: float


@dataclass(frozen=True)
class Match:
    entry_id: int
    bank: str
    kind: str
    hash: str
    labels: tuple[str, ...]
    source: str | None
    distance: int
    benign: bool
    category: Category
    coverage: VideoCoverage | None = None  # vPDQ entries: how much of each video the other covers

    @property
    def exact(self) -> bool:
        return self.kind in ("md5", "sha256")

    def as_evidence(self) -> dict[str, object]:
        return {
            "entry_id": self.entry_id,
            "bank": self.bank,
            "kind": self.kind,
            "hash": self.hash,
            "labels": list(self.labels),
            "source": self.source,
            "distance": self.distance,
        } | (
            {
                "query_match_percent": self.coverage.query_percent,
                "entry_match_percent": self.coverage.entry_percent,
            }
            if self.coverage
            else {}
        )


@dataclass
class BankMatcher:
    db: Database
    pdq_threshold: int = 31
    quality_floor: int = 50
    refresh_seconds: float = 2.0
    vpdq_query_percent: float = 80.0
    vpdq_entry_percent: float = 80.0
    _banks: dict[int, BankInfo] = field(default_factory=dict)
    _entries: dict[int, EntryInfo] = field(default_factory=dict)
    _exact: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    _pdq: PdqIndex = field(default_factory=PdqIndex)
    _frames: PdqIndex = field(default_factory=PdqIndex)  # every vPDQ entry's frames; ids index _frame_owner
    _frame_owner: list[int] = field(default_factory=list)
    _entry_frames: dict[int, list[str]] = field(default_factory=dict)
    _last_id: int = 0
    _last_change: datetime | None = None
    _checked_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def match(self, hashes: MediaHashes, platform: str | None = None) -> list[Match]:
        """Every match in an enabled bank that applies to `platform`, nearest first; only the allow banks' matches
        when one of them vetoes. No platform (evaluation) matches the installation banks only."""
        self.refresh()
        candidates = self._exact_matches(hashes) + self._pdq_matches(hashes) + self._vpdq_matches(hashes)
        found = [m for m in candidates if self._live(m, platform)]
        if any(m.benign for m in found):
            return [m for m in found if m.benign]
        return sorted(found, key=lambda m: (not m.exact, m.distance))

    def refresh(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._checked_at < self.refresh_seconds:
            return
        with self._lock, self.db.snapshot() as tx:
            self._checked_at = time.monotonic()
            newest_id, change = tx.banks.marks()
            stale = change is not None and self._last_change is not None and change > self._last_change
            if stale and self._changed_besides_new(tx):
                self._reset()
            subscribers = tx.banks.subscribers()
            self._banks = {row.id: _bank_info(row, subscribers.get(row.id, set())) for row in tx.banks.all()}
            self._load(tx.banks.active_entries_after(self._last_id))
            self._last_id = max(self._last_id, newest_id)
            self._last_change = change

    def _changed_besides_new(self, tx: Transaction) -> bool:
        """Whether something other than new entries changed: then the index is rebuilt."""
        assert self._last_change is not None  # only asked once a change has been seen
        return tx.banks.changed_besides_new(self._last_id, self._last_change)

    def _reset(self) -> None:
        self._entries, self._exact, self._pdq, self._last_id = {}, {}, PdqIndex(), 0
        self._frames, self._frame_owner, self._entry_frames = PdqIndex(), [], {}

    def _load(self, rows: Sequence[BankEntryRow]) -> None:
        pdq_ids, pdq_hexes = [], []
        for row in rows:
            self._entries[row.id] = EntryInfo(
                row.bank_id, row.kind, row.value, tuple(row.labels), row.source, row.confidence
            )
            if row.kind == "pdq":
                pdq_ids.append(row.id)
                pdq_hexes.append(row.value)
            elif row.kind == "vpdq":
                self._load_video(row)
            else:
                self._exact.setdefault((row.kind, row.value), []).append(row.id)
        self._pdq.add(pdq_ids, pdq_hexes)

    def _load_video(self, row: BankEntryRow) -> None:
        frames = usable([VideoFrame.parse(x) for x in row.extra.get("vpdq", [])], self.quality_floor)
        first = len(self._frame_owner)
        self._frame_owner += [row.id] * len(frames)
        self._entry_frames[row.id] = frames
        self._frames.add(list(range(first, first + len(frames))), frames)

    def _exact_matches(self, hashes: MediaHashes) -> list[Match]:
        ids = self._exact.get(("md5", hashes.md5), []) + self._exact.get(("sha256", hashes.sha256), [])
        return [self._match(entry_id, 0) for entry_id in ids]

    def _pdq_matches(self, hashes: MediaHashes) -> list[Match]:
        best: dict[int, int] = {}
        for found in self._pdq.near(self._usable_pdq(hashes), self._widest()):
            for entry_id, distance in found:
                best[entry_id] = min(distance, best.get(entry_id, distance))
        return [
            self._match(entry_id, distance)
            for entry_id, distance in best.items()
            if distance <= self._limit(self._bank_of(entry_id))
        ]

    def _vpdq_matches(self, hashes: MediaHashes) -> list[Match]:
        """Video entries whose frames cover enough of the query, or the query enough of them."""
        query = usable(hashes.frames, self.quality_floor) if hashes.frames else self._usable_pdq(hashes)
        if not query or not self._frame_owner:
            return []
        candidates = {
            self._frame_owner[frame] for found in self._frames.near(query, self._widest()) for frame, _ in found
        }
        matches = []
        for entry_id in sorted(candidates):
            found = coverage(query, self._entry_frames[entry_id], self._limit(self._bank_of(entry_id)))
            if found.matches(self.vpdq_query_percent, self.vpdq_entry_percent):
                matches.append(replace(self._match(entry_id, found.distance), coverage=found))
        return matches

    def _usable_pdq(self, hashes: MediaHashes) -> list[str]:
        return [h for h, q in zip(hashes.pdq, hashes.quality, strict=True) if q >= self.quality_floor]

    def _bank_of(self, entry_id: int) -> BankInfo:
        return self._banks[self._entries[entry_id].bank_id]

    def _limit(self, bank: BankInfo) -> int:
        """The bank's own PDQ distance, or the default."""
        return self.pdq_threshold if bank.pdq_threshold is None else bank.pdq_threshold

    def _widest(self) -> int:
        return max([self.pdq_threshold, *(self._limit(bank) for bank in self._banks.values())])

    def _match(self, entry_id: int, distance: int) -> Match:
        entry = self._entries[entry_id]
        bank = self._bank_of(entry_id)
        category = next((LABEL_CATEGORIES[label] for label in entry.labels if label in LABEL_CATEGORIES), bank.category)
        return Match(
            entry_id, bank.name, entry.kind, entry.value, entry.labels, entry.source, distance, bank.benign, category
        )

    def _live(self, match: Match, platform: str | None) -> bool:
        bank = self._bank_of(match.entry_id)
        return bank.enabled and bank.applies_to(platform)


def _bank_info(row: BankRow, subscribers: set[str]) -> BankInfo:
    return BankInfo(
        row.name, row.enabled, row.benign, Category(row.category), row.pdq_threshold, row.owner, frozenset(subscribers)
    )
