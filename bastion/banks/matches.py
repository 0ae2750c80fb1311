"""What happens after a match: it is recorded, an over-matching entry is quarantined, and new
entries are matched against items already seen (retroactive matching), opening cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bastion.banks.index import PdqIndex
from bastion.banks.store import LABEL_CATEGORIES, set_entry_state
from bastion.banks.vpdq import coverage, usable
from bastion.core import Item, Priority, Verdict
from bastion.media.video import VideoFrame
from bastion.store.models.banks import BankEntryRow, BankMatchRow, BankRow
from bastion.store.models.core import ItemRow
from bastion.store.records import CaseRequest, open_case


def record_matches(session: Session, checked: Sequence[tuple[Item, Verdict]], now: datetime) -> None:
    """One row per (entry, item): re-checking an item never counts its match twice."""
    pairs = {
        (int(match["entry_id"]), item.id): int(match["distance"])
        for item, verdict in checked
        for signal in verdict.signals
        if signal.detector == "hashes"
        for match in signal.evidence.get("matches") or []
    }
    if not pairs:
        return
    known = {
        (entry_id, item_id)
        for entry_id, item_id in session.execute(
            select(BankMatchRow.entry_id, BankMatchRow.item_id).where(
                BankMatchRow.item_id.in_({item_id for _, item_id in pairs})
            )
        )
    }
    for (entry_id, item_id), distance in pairs.items():
        if (entry_id, item_id) not in known:
            session.add(BankMatchRow(entry_id=entry_id, item_id=item_id, distance=distance, matched_at=now))
    session.flush()


def quarantine_overmatching(session: Session, now: datetime, per_hour: int) -> list[int]:
    """Entries matching more items in the last hour than `per_hour` stop matching until reviewed.

    A hash that suddenly matches everything is far more likely a bad entry
    (a blank frame, a logo, a meme template) than a flood of propaganda.
    """
    since = now - timedelta(hours=1)
    over = session.execute(
        select(BankMatchRow.entry_id, func.count())
        .join(BankEntryRow, BankEntryRow.id == BankMatchRow.entry_id)
        .where(BankMatchRow.matched_at >= since, BankEntryRow.state == "active")
        .group_by(BankMatchRow.entry_id)
        .having(func.count() > per_hour)
    ).all()
    for entry_id, count in over:
        set_entry_state(
            session,
            entry_id,
            "quarantined",
            "system",
            f"matched {count} items in the last hour (limit {per_hour}); pending review",
        )
    return [entry_id for entry_id, _ in over]


@dataclass(frozen=True)
class RetroMatch:
    entry_id: int
    item_id: str
    distance: int


def match_pending(
    session: Session,
    now: datetime,
    days: int,
    pdq_threshold: int = 31,
    quality_floor: int = 50,
    vpdq_percents: tuple[float, float] = (80.0, 80.0),
    batch: int = 10_000,
) -> tuple[int, list[RetroMatch]]:
    """Match a batch of entries not yet matched against past items (new, or back from quarantine).

    The entries are marked in the same transaction as the cases they open, so a
    crash either loses neither or leaves both pending for the next run; rows that
    another process holds (PostgreSQL) are skipped, not waited for.
    """
    pending = list(
        session.scalars(
            select(BankEntryRow.id)
            .where(BankEntryRow.retro_matched_at.is_(None), BankEntryRow.state == "active")
            .order_by(BankEntryRow.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    if not pending:
        return 0, []
    found = match_retroactively(session, pending, now, days, pdq_threshold, quality_floor, vpdq_percents)
    session.execute(update(BankEntryRow).where(BankEntryRow.id.in_(pending)).values(retro_matched_at=now))
    return len(pending), found


def match_retroactively(
    session: Session,
    entry_ids: Sequence[int],
    now: datetime,
    days: int,
    pdq_threshold: int = 31,
    quality_floor: int = 50,
    vpdq_percents: tuple[float, float] = (80.0, 80.0),
) -> list[RetroMatch]:
    """Match entries against items received in the last `days`; each new match opens (or raises) a case.

    Runs again harmlessly: an (entry, item) pair already matched is skipped.
    """
    entries = [
        entry
        for entry in session.scalars(select(BankEntryRow).where(BankEntryRow.id.in_(entry_ids)))
        if entry.state == "active"
    ]
    banks = {bank.id: bank for bank in session.scalars(select(BankRow))}
    entries = [e for e in entries if banks[e.bank_id].enabled and not banks[e.bank_id].benign]
    if not entries:
        return []
    index = PdqIndex()
    index.add([e.id for e in entries if e.kind == "pdq"], [e.value for e in entries if e.kind == "pdq"])
    exact = {(e.kind, e.value): e.id for e in entries if e.kind in ("md5", "sha256")}
    thresholds = {e.id: _threshold(banks[e.bank_id], pdq_threshold) for e in entries}
    videos = {
        e.id: usable([VideoFrame.parse(x) for x in e.extra.get("vpdq", [])], 0) for e in entries if e.kind == "vpdq"
    }
    by_id = {e.id: e for e in entries}
    found: list[RetroMatch] = []
    items = session.execute(
        select(ItemRow.id, ItemRow.media).where(
            ItemRow.received_at >= now - timedelta(days=days), ItemRow.media.is_not(None)
        )
    ).all()
    for item_id, media in items:
        hashes = (media or {}).get("hashes") or {}
        for kind in ("md5", "sha256"):
            if (kind, hashes.get(kind)) in exact:
                found.append(RetroMatch(exact[(kind, hashes[kind])], item_id, 0))
        query = _item_pdq(hashes, quality_floor)
        best: dict[int, int] = {}
        for near in index.near(query, max(thresholds.values(), default=0)):
            for entry_id, distance in near:
                if distance <= thresholds[entry_id]:
                    best[entry_id] = min(distance, best.get(entry_id, distance))
        found += [RetroMatch(entry_id, item_id, distance) for entry_id, distance in best.items()]
        for entry_id, frames in videos.items():
            covered = coverage(query, frames, thresholds[entry_id])
            if covered.matches(*vpdq_percents):
                found.append(RetroMatch(entry_id, item_id, covered.distance))
    pairs = select(BankMatchRow.entry_id, BankMatchRow.item_id).where(BankMatchRow.entry_id.in_(by_id))
    known = {(entry_id, item_id) for entry_id, item_id in session.execute(pairs)}
    found = [m for m in found if (m.entry_id, m.item_id) not in known]
    for match in found:
        entry = by_id[match.entry_id]
        category = next((LABEL_CATEGORIES[x] for x in entry.labels if x in LABEL_CATEGORIES), None)
        session.add(
            BankMatchRow(
                entry_id=match.entry_id,
                item_id=match.item_id,
                distance=match.distance,
                matched_at=now,
                retroactive=True,
            )
        )
        open_case(
            session,
            CaseRequest(
                match.item_id,
                int(Priority.HASH_MATCH),
                [(category.value if category else banks[entry.bank_id].category)],
                "retro",
            ),
            now,
        )
    session.flush()
    return found


def _item_pdq(hashes: dict[str, Any], quality_floor: int) -> list[str]:
    """The PDQ hashes kept with an item good enough to match: an image's one, a video's distinct frames."""
    if hashes.get("vpdq"):
        return usable([VideoFrame.parse(x) for x in hashes["vpdq"]], quality_floor)
    if hashes.get("pdq") and int(hashes.get("quality", 100)) >= quality_floor:
        return [hashes["pdq"]]
    return []


def _threshold(bank: BankRow, default: int) -> int:
    """The bank's own PDQ distance when it sets one, else the default."""
    return default if bank.pdq_threshold is None else bank.pdq_threshold
