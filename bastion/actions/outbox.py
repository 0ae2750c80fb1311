"""Carrying decisions out: an outbox of actions, delivered through the deployment's target until acknowledged.

The action is written in the same transaction as the decision, so a crash
never loses one; delivery is at-least-once (each action carries its outbox
id as `delivery`, for the platform to drop duplicates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bastion.actions.base import ActionTarget, PlatformAction
from bastion.core import Action, Item, Verdict
from bastion.store.db import Database
from bastion.store.models.review import OutboxRow
from bastion.store.transaction import Transaction

MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=1)  # a delivery attempt's hold on its row: well over the request timeout


def enqueue_action(
    tx: Transaction, platform: str, item_id: str, action: str, details: dict[str, Any], now: datetime
) -> OutboxRow:
    """Keep an action on the platform's item in the caller's transaction: it is sent only if the decision commits."""
    return tx.outbox.enqueue(platform, item_id, action, details, now)


def enqueue_verdicts(tx: Transaction, checked: Sequence[tuple[Item, Verdict]], platform: str, now: datetime) -> None:
    """A stream verdict the platform must act on (review or remove) goes out through the webhook outbox too."""
    actions = [
        (
            platform,
            item.id,
            "verdict",
            {
                "verdict": verdict.action.value,
                "categories": [c.value for c in verdict.categories],
                "priority": verdict.priority,
                "score": verdict.score,
                "policy_version": verdict.policy_version,
            },
        )
        for item, verdict in checked
        if verdict.action is not Action.ALLOW
    ]
    tx.outbox.enqueue_many(actions, now)


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int
    failed: int


def deliver_due(db: Database, target: ActionTarget, now: datetime, limit: int = 100) -> DeliveryReport:
    """Send every due action once; failures are retried later with exponential backoff."""
    with db.snapshot() as tx:
        due = tx.outbox.due(now, limit)
    delivered = failed = 0
    for outbox_id in due:
        if _deliver_one(db, target, outbox_id, now):
            delivered += 1
        else:
            failed += 1
    return DeliveryReport(delivered, failed)


def _deliver_one(db: Database, target: ActionTarget, outbox_id: int, now: datetime) -> bool:
    """One delivery attempt. The row is leased first, so that two processes never send it at once,
    and the action is sent outside any transaction: a slow platform must not hold the writer."""
    action = _lease(db, outbox_id, now)
    if action is None:  # delivered meanwhile, or another process holds it
        return True
    error = target.deliver(action)
    with db.transaction() as tx:
        tx.outbox.record_attempt(outbox_id, now, error, _backoff)
    return error is None


def _backoff(attempts: int) -> timedelta:
    """How long a failed action waits before its next attempt: doubling, at most `MAX_BACKOFF`."""
    return min(MAX_BACKOFF, timedelta(seconds=2**attempts))


def _lease(db: Database, outbox_id: int, now: datetime) -> PlatformAction | None:
    """Claim a due row for `LEASE` (longer than a delivery may take); the action to send, or None."""
    with db.transaction() as tx:
        row = tx.outbox.lease(outbox_id, now, now + LEASE)
        return None if row is None else PlatformAction(row.id, row.item_id, row.action, dict(row.payload), row.platform)
