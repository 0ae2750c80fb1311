"""Retention of stream receipts: they make a redelivered message a no-op, so they must outlive redelivery, no more.

A worker killed between its commit and its acknowledgement leaves the message
to come back after the ack wait, up to `worker_max_deliveries` times; a
publisher repeating a message within JetStream's duplicate window is dropped
by JetStream itself. Past both, a receipt only grows the table (one row per
item ever streamed), so `bastion stream prune-receipts` deletes the ones older
than `BASTION_STREAM_RECEIPT_RETENTION_HOURS`, a batch per short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bastion.settings import Settings
from bastion.store.db import Database

# JetStream's default duplicate window (the item stream keeps the server's default): a repeated publish within
# it never reaches a worker.
DUPLICATE_WINDOW = timedelta(minutes=2)
AUDIT_ACTION = "stream.receipts_pruned"


class RetentionTooShort(ValueError):
    """A retention under which a message could still be redelivered after its receipt was deleted."""


@dataclass(frozen=True)
class Pruned:
    deleted: int
    batches: int
    recorded_before: datetime


def shortest_retention(settings: Settings) -> timedelta:
    """How long a message can keep coming back while workers run: every delivery's ack wait, and the duplicate
    window of a repeated publish."""
    redelivery = timedelta(seconds=settings.worker_ack_wait_seconds * settings.worker_max_deliveries)
    return redelivery + DUPLICATE_WINDOW


def receipt_cutoff(settings: Settings, now: datetime) -> datetime:
    """Receipts recorded before this may go; RetentionTooShort when the retention would cut into redelivery."""
    retention = timedelta(hours=settings.stream_receipt_retention_hours)
    shortest = shortest_retention(settings)
    if retention <= shortest:
        raise RetentionTooShort(
            f"BASTION_STREAM_RECEIPT_RETENTION_HOURS={settings.stream_receipt_retention_hours:g} is not longer than "
            f"redelivery ({shortest.total_seconds():g} s: the ack wait times the deliveries, plus the duplicate "
            "window); a redelivered message would be checked again"
        )
    return now - retention


def prune_receipts(db: Database, settings: Settings, now: datetime, batch_size: int, actor: str) -> Pruned:
    """Delete receipts past retention, `batch_size` per transaction (a short lock on a few rows, never the table).

    The last batch's transaction also appends the audit record with the run's count.
    """
    cutoff = receipt_cutoff(settings, now)
    deleted = batches = 0
    while True:
        with db.transaction() as tx:
            gone = tx.stream_receipts.delete_recorded_before(cutoff, batch_size)
            deleted, batches = deleted + gone, batches + 1
            if gone < batch_size:
                payload = {"deleted": deleted, "recorded_before": cutoff.isoformat(), "batches": batches}
                tx.audit.append(action=AUDIT_ACTION, subject="stream_receipts", actor=actor, payload=payload)
                return Pruned(deleted, batches, cutoff)
