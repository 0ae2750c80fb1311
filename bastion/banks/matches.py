"""What happens after a match: it is recorded, an over-matching entry is quarantined, and new
entries are matched against items already seen (retroactive matching), opening cases. A new
entry meets only the past items of the platforms its bank applies to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bastion.banks.entries import LABEL_CATEGORIES, applies_to, set_entry_state
from bastion.banks.index import PdqIndex
from bastion.banks.vpdq import coverage, usable
from bastion.core import Item, Priority, Verdict
from bastion.media.video import VideoFrame
from bastion.store.banks import BankMatch
from bastion.store.items import CaseRequest
from bastion.store.models.banks import BankEntryRow, BankRow
from bastion.store.transaction import Transaction


def record_matches(tx: Transaction, checked: Sequence[tuple[Item, Verdict]], platform: str, now: datetime) -> None:
    """One row per (entry, item) of the platform's items: re-checking an item never counts its match twice."""
    pairs = {
        (int(match["entry_id"]), item.id): int(match["distance"])
        for item, verdict in checked
        for signal in verdict.signals
        if signal.detector == "hashes"
        for match in signal.evidence.get("matches") or []
    }
    if not pairs:
        return
    known = tx.banks.pairs_of_items(platform, {item_id for _, item_id in pairs})
    new = [BankMatch(entry_id, platform, item_id, distance) for (entry_id, item_id), distance in pairs.items()]
    tx.banks.add_matches([m for m in new if (m.entry_id, m.platform, m.item_id) not in known], now)


def quarantine_overmatching(tx: Transaction, now: datetime, per_hour: int) -> list[int]:
    """Entries matching more items in the last hour than `per_hour` stop matching until reviewed.

    A hash that suddenly matches everything is far more likely a bad entry
    (a blank frame, a logo, a meme template) than a flood of propaganda.
    """
    over = tx.banks.match_counts_since(now - timedelta(hours=1), more_than=per_hour)
    for entry_id, count in over:
        set_entry_state(
            tx,
            entry_id,
            "quarantined",
            "system",
            f"matched {count} items in the last hour (limit {per_hour}); pending review",
        )
    return [entry_id for entry_id, _ in over]


def match_pending(
    tx: Transaction,
    now: datetime,
    days: int,
    pdq_threshold: int = 31,
    quality_floor: int = 50,
    vpdq_percents: tuple[float, float] = (80.0, 80.0),
    batch: int = 10_000,
) -> tuple[int, list[BankMatch]]:
    """Match a batch of entries not yet matched against past items (new, or back from quarantine).

    The entries are marked in the same transaction as the cases they open, so a
    crash either loses neither or leaves both pending for the next run; rows that
    another process holds (PostgreSQL) are skipped, not waited for.
    """
    pending = tx.banks.claim_pending(batch)
    if not pending:
        return 0, []
    found = match_retroactively(tx, pending, now, days, pdq_threshold, quality_floor, vpdq_percents)
    tx.banks.mark_matched(pending, now)
    return len(pending), found


def match_retroactively(
    tx: Transaction,
    entry_ids: Sequence[int],
    now: datetime,
    days: int,
    pdq_threshold: int = 31,
    quality_floor: int = 50,
    vpdq_percents: tuple[float, float] = (80.0, 80.0),
) -> list[BankMatch]:
    """Match entries against items received in the last `days`; each new match opens (or raises) a case.

    An entry matches only the items of platforms its bank applies to: another platform's entry never
    opens a case on this platform's item. Runs again harmlessly: an (entry, item) pair already matched is skipped.
    """
    banks = {bank.id: bank for bank in tx.banks.all()}
    subscribers = tx.banks.subscribers()
    entries = [
        e
        for e in tx.banks.entries(entry_ids)
        if e.state == "active" and banks[e.bank_id].enabled and not banks[e.bank_id].benign
    ]
    if not entries:
        return []
    index = _PastMatcher(entries, {e.id: _threshold(banks[e.bank_id], pdq_threshold) for e in entries})
    found = [
        match
        for item_id, platform, media in tx.banks.item_media_since(now - timedelta(days=days))
        for match in index.matches(platform, item_id, media.get("hashes") or {}, quality_floor, vpdq_percents)
        if _applies(banks[index.by_id[match.entry_id].bank_id], subscribers, platform)
    ]
    known = tx.banks.pairs_of_entries(index.by_id)
    found = [m for m in found if (m.entry_id, m.platform, m.item_id) not in known]
    tx.banks.add_matches(found, now, retroactive=True)
    for match in found:
        tx.items.open_case(_case_request(match, index.by_id[match.entry_id], banks), now)
    return found


class _PastMatcher:
    """The entries being matched retroactively, indexed to meet one past item's hashes at a time."""

    def __init__(self, entries: Sequence[BankEntryRow], thresholds: dict[int, int]) -> None:
        self.by_id = {e.id: e for e in entries}
        self.thresholds = thresholds
        self.pdq = PdqIndex()
        self.pdq.add([e.id for e in entries if e.kind == "pdq"], [e.value for e in entries if e.kind == "pdq"])
        self.exact = {(e.kind, e.value): e.id for e in entries if e.kind in ("md5", "sha256")}
        self.videos = {
            e.id: usable([VideoFrame.parse(x) for x in e.extra.get("vpdq", [])], 0) for e in entries if e.kind == "vpdq"
        }

    def matches(
        self,
        platform: str,
        item_id: str,
        hashes: dict[str, Any],
        quality_floor: int,
        vpdq_percents: tuple[float, float],
    ) -> list[BankMatch]:
        found = [
            BankMatch(self.exact[(kind, hashes[kind])], platform, item_id, 0)
            for kind in ("md5", "sha256")
            if (kind, hashes.get(kind)) in self.exact
        ]
        query = _item_pdq(hashes, quality_floor)
        best: dict[int, int] = {}
        for near in self.pdq.near(query, max(self.thresholds.values(), default=0)):
            for entry_id, distance in near:
                if distance <= self.thresholds[entry_id]:
                    best[entry_id] = min(distance, best.get(entry_id, distance))
        found += [BankMatch(entry_id, platform, item_id, distance) for entry_id, distance in best.items()]
        for entry_id, frames in self.videos.items():
            covered = coverage(query, frames, self.thresholds[entry_id])
            if covered.matches(*vpdq_percents):
                found.append(BankMatch(entry_id, platform, item_id, covered.distance))
        return found


def _case_request(match: BankMatch, entry: BankEntryRow, banks: dict[int, BankRow]) -> CaseRequest:
    """A hash-match case for the item, in the category the entry's labels name (else its bank's)."""
    category = next((LABEL_CATEGORIES[x].value for x in entry.labels if x in LABEL_CATEGORIES), None)
    categories = [category or banks[entry.bank_id].category]
    return CaseRequest(match.platform, match.item_id, int(Priority.HASH_MATCH), categories, "retro")


def _item_pdq(hashes: dict[str, Any], quality_floor: int) -> list[str]:
    """The PDQ hashes kept with an item good enough to match: an image's one, a video's distinct frames."""
    if hashes.get("vpdq"):
        return usable([VideoFrame.parse(x) for x in hashes["vpdq"]], quality_floor)
    if hashes.get("pdq") and int(hashes.get("quality", 100)) >= quality_floor:
        return [hashes["pdq"]]
    return []


def _applies(bank: BankRow, subscribers: dict[int, set[str]], platform: str | None) -> bool:
    return applies_to(bank.owner, subscribers.get(bank.id, set()), platform)


def _threshold(bank: BankRow, default: int) -> int:
    """The bank's own PDQ distance when it sets one, else the default."""
    return default if bank.pdq_threshold is None else bank.pdq_threshold
