"""Anchoring the audit chain by itself: `serve` signs the chain's head every interval when a key is set.

An anchor written by `bastion audit anchor` or by this worker goes to the
anchors file in the data dir (and, on the command line, to a file the operator
ships elsewhere); `bastion audit verify` then fails if the newest records are
deleted. The worker writes nothing while the head has not moved.
"""

from __future__ import annotations

from pathlib import Path

import structlog

from bastion.core import utcnow
from bastion.settings import Settings
from bastion.store.anchors import ANCHORS_FILE, Anchor, anchor_head, append_anchor, read_anchors
from bastion.store.db import Database
from bastion.workers.loop import PeriodicWorker

log = structlog.get_logger(__name__)


def anchors_path(settings: Settings) -> Path:
    """The append-only anchors file in the data dir."""
    return settings.data_dir / ANCHORS_FILE


def write_anchor(db: Database, settings: Settings, key: str, copies: tuple[Path, ...] = ()) -> Anchor | None:
    """Sign the chain's current head into the anchors file (and each copy); None while the chain is empty."""
    with db.snapshot() as tx:
        anchor = anchor_head(tx.audit, key, utcnow())
    if anchor is not None:
        for path in (anchors_path(settings), *copies):
            append_anchor(path, anchor)
    return anchor


def anchor_if_moved(db: Database, settings: Settings, key: str) -> Anchor | None:
    """Anchor the head unless the newest stored anchor already pins it."""
    path = anchors_path(settings)
    with db.snapshot() as tx:
        head = tx.audit.head()
    stored = read_anchors(path) if path.exists() else []
    if head is None or (stored and (stored[-1].seq, stored[-1].hash) == head):
        return None
    anchor = write_anchor(db, settings, key)
    log.info("audit_anchored", seq=anchor.seq if anchor else None)
    return anchor


def audit_anchor_worker(db: Database, settings: Settings) -> PeriodicWorker | None:
    """The periodic anchor, or None when no audit key is set."""
    key = settings.audit_key
    if not key:
        return None
    return PeriodicWorker(
        "audit-anchor", lambda: anchor_if_moved(db, settings, key), settings.audit_anchor_interval_seconds
    )
