"""Carrying decisions out: an outbox of actions, delivered to the platform's webhook until acknowledged.

The action is written in the same transaction as the decision, so a crash
never loses one; delivery is at-least-once, and each request carries its
outbox id (`X-Bastion-Delivery`) for the platform to drop duplicates, and an
HMAC-SHA256 of the body (`X-Bastion-Signature: sha256=...`) to prove it came
from Bastion.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from bastion.store.db import Database
from bastion.store.models.review import OutboxRow
from bastion.store.transaction import Transaction

MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=1)  # a delivery attempt's hold on its row: well over the request timeout


def enqueue_action(tx: Transaction, item_id: str, action: str, details: dict[str, Any], now: datetime) -> OutboxRow:
    """Keep an action for the platform in the caller's transaction: it is sent only if the decision commits."""
    return tx.outbox.enqueue(item_id, action, details, now)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int
    failed: int


def deliver_due(
    db: Database, url: str, secret: str, now: datetime, timeout: float = 10.0, limit: int = 100
) -> DeliveryReport:
    """POST every due action once; failures are retried later with exponential backoff."""
    with db.snapshot() as tx:
        due = tx.outbox.due(now, limit)
    delivered = failed = 0
    with httpx.Client(timeout=timeout) as client:
        for outbox_id in due:
            if _deliver_one(db, client, outbox_id, url, secret, now):
                delivered += 1
            else:
                failed += 1
    return DeliveryReport(delivered, failed)


def _deliver_one(db: Database, client: httpx.Client, outbox_id: int, url: str, secret: str, now: datetime) -> bool:
    """One delivery attempt. The row is leased first, so that two processes never send it at once,
    and the request is made outside any transaction: a slow platform must not hold the writer."""
    request = _lease(db, outbox_id, now)
    if request is None:  # delivered meanwhile, or another process holds it
        return True
    body, headers = _signed(request, secret)
    try:
        response = client.post(url, content=body, headers=headers)
        ok, error = response.is_success, None if response.is_success else f"HTTP {response.status_code}"
    except httpx.HTTPError as problem:
        ok, error = False, f"{type(problem).__name__}: {problem}"
    with db.transaction() as tx:
        tx.outbox.record_attempt(outbox_id, now, error, _backoff)
    return ok


def _backoff(attempts: int) -> timedelta:
    """How long a failed action waits before its next attempt: doubling, at most `MAX_BACKOFF`."""
    return min(MAX_BACKOFF, timedelta(seconds=2**attempts))


def _lease(db: Database, outbox_id: int, now: datetime) -> dict[str, Any] | None:
    """Claim a due row for `LEASE` (longer than a request may take); the payload to send, or None."""
    with db.transaction() as tx:
        row = tx.outbox.lease(outbox_id, now, now + LEASE)
        return (
            None if row is None else {"delivery": row.id, "item_id": row.item_id, "action": row.action, **row.payload}
        )


def _signed(request: dict[str, Any], secret: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(request, sort_keys=True, default=str).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Bastion-Delivery": str(request["delivery"]),
        "X-Bastion-Signature": signature(secret, body),
    }
    return body, headers
