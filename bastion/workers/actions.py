"""Decided actions delivered to the platform's webhook by `serve` itself, retried until acknowledged."""

from __future__ import annotations

from bastion.review.actions import deliver_due
from bastion.settings import Settings
from bastion.store.base import utcnow
from bastion.store.db import Database
from bastion.workers.loop import PeriodicWorker


def action_delivery_worker(db: Database, settings: Settings) -> PeriodicWorker | None:
    """None when no webhook is configured: decisions then wait in the outbox."""
    url, secret = settings.action_webhook_url, settings.action_webhook_secret
    if not url or not secret:
        return None
    return PeriodicWorker(
        "action-delivery", lambda: deliver_due(db, url, secret, utcnow()), settings.action_delivery_interval_seconds
    )
