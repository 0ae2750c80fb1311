"""Preservation (TCO Art 6): what is removed under an order is kept with its related data for six months from
removal (Art 6(2)), longer when an authority or court asks, then purged; only `legal` and `admin` open it.

A hold freezes a copy: the item, its verdict and decisions as they stood (in the hold's row), and its media
copied to `<data dir>/preserved/<sha256>`, a directory only the purge job deletes from. Any other job that
deletes kept media goes through `media.preserve.discard`, which refuses a file a live hold keeps.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bastion.review.accounts import Permission, can
from bastion.store.db import Database
from bastion.store.items import item_subject
from bastion.store.models.orders import HoldRow, OrderRow
from bastion.store.transaction import Transaction

PRESERVED = "preserved"  # the directory, under the data dir, that holds preserved media


class PreservationError(ValueError):
    """A hold that cannot be opened, extended or found; `status` is the HTTP status that says so."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PurgeReport:
    purged: int
    files_removed: int


def place_hold(
    tx: Transaction, data_dir: Path, order: OrderRow, item_id: str, now: datetime, keep_for: timedelta
) -> HoldRow:
    """Freeze the item and its related data under the order (once per item and order)."""
    held = tx.holds.of_item(order.platform, item_id, order.id)
    if held is not None:
        return held
    material = tx.holds.snapshot(order.platform, item_id)
    digest = _media_digest(material)
    if digest and not _copy_media(data_dir, digest):
        digest = None  # the bytes were never kept (only hashes): the platform keeps what it hosts
    hold = tx.holds.place(
        HoldRow(
            platform=order.platform,
            item_id=item_id,
            order_id=order.id,
            basis=f"removal order {order.reference} ({order.issuing_authority}); Regulation (EU) 2021/784, Art. 6",
            material=material,
            media_sha256=digest,
            held_at=now,
            keep_until=now + keep_for,
        )
    )
    tx.audit.append(
        action="preservation.hold",
        subject=item_subject(order.platform, item_id),
        actor="system",
        payload={"hold": hold.id, "order": order.id, "keep_until": hold.keep_until.isoformat(), "media": bool(digest)},
        at=now,
    )
    return hold


def count_from_removal(tx: Transaction, hold: HoldRow, removed_at: datetime, keep_for: timedelta) -> None:
    """Art 6(2) counts six months from removal: a hold placed on receipt runs from the time access was disabled
    (never shorter than it already was: an extension stands)."""
    hold.keep_until = max(hold.keep_until, removed_at + keep_for)


def extend_hold(tx: Transaction, hold_id: int, until: datetime, now: datetime, actor: str, reason: str) -> HoldRow:
    """Keep material longer, on an authority's or a court's request (Art 6(2)); never shorter."""
    hold = tx.holds.get(hold_id)
    if hold is None or hold.purged_at is not None:
        raise PreservationError(f"no live hold {hold_id}", 404)
    if until <= hold.keep_until:
        raise PreservationError(f"a hold is only extended: {until.isoformat()} is not after {hold.keep_until}")
    if not reason.strip():
        raise PreservationError("say whose request the extension answers")
    before, hold.keep_until = hold.keep_until, until
    payload = {"from": before.isoformat(), "until": until.isoformat(), "reason": reason.strip()}
    tx.audit.append(action="preservation.extend", subject=f"hold:{hold.id}", actor=actor, payload=payload, at=now)
    return hold


def open_material(tx: Transaction, hold_id: int, username: str, role: str, part: str, now: datetime) -> HoldRow:
    """A legal officer or an admin opens preserved material; every opening is audited, any other role refused."""
    if not can(role, Permission.OPEN_PRESERVED):
        raise PreservationError("only legal officers and admins open preserved material", 403)
    hold = tx.holds.get(hold_id)
    if hold is None:
        raise PreservationError(f"no hold {hold_id}", 404)
    if hold.purged_at is not None:
        raise PreservationError(f"hold {hold_id} was purged on {hold.purged_at:%Y-%m-%d}", 410)
    tx.audit.append(
        action="preservation.open", subject=f"hold:{hold.id}", actor=f"user:{username}", payload={"part": part}, at=now
    )
    return hold


def preserved_media(data_dir: Path, hold: HoldRow) -> Path | None:
    path = data_dir / PRESERVED / (hold.media_sha256 or "")
    return path if hold.media_sha256 and path.is_file() else None


def purge_due(db: Database, data_dir: Path, now: datetime) -> PurgeReport:
    """Purge every hold whose period has ended, audited; a media file goes once no live hold keeps it."""
    with db.transaction() as tx:
        due = tx.holds.due(now)
        digests = {hold.media_sha256 for hold in due if hold.media_sha256}
        for hold in due:
            tx.holds.mark_purged(hold, now)
            payload: dict[str, Any] = {"item": item_subject(hold.platform, hold.item_id)}
            payload |= {"held_at": hold.held_at.isoformat()}
            payload |= {"kept_until": hold.keep_until.isoformat(), "order": hold.order_id}
            tx.audit.append(
                action="preservation.purge", subject=f"hold:{hold.id}", actor="system", payload=payload, at=now
            )
        still_held = tx.holds.held_digests(now)
    removed = 0
    for digest in digests - still_held:  # after the commit: a rolled-back purge never loses a file
        path = data_dir / PRESERVED / digest
        if path.is_file():
            path.unlink()
            removed += 1
    return PurgeReport(len(due), removed)


def _media_digest(material: dict[str, Any]) -> str | None:
    item = material.get("item") or {}
    hashes = (item.get("media") or {}).get("hashes") or {}
    digest = hashes.get("sha256")
    return str(digest) if digest else None


def _copy_media(data_dir: Path, digest: str) -> bool:
    """Copy the kept media into the preserved directory (0700, files 0600); False when no bytes were kept."""
    source, target = data_dir / "media" / digest, data_dir / PRESERVED / digest
    if target.is_file():
        return True
    if not source.is_file():
        return False
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(source, partial)
    partial.chmod(0o600)
    partial.replace(target)
    return True
