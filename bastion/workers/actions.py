"""Decided actions delivered through the deployment's action target by `serve` itself, retried until acknowledged."""

from __future__ import annotations

from bastion.actions.outbox import deliver_due
from bastion.context import AppContext
from bastion.core import utcnow
from bastion.plugins import load_action_target
from bastion.workers.loop import PeriodicWorker


def action_delivery_worker(context: AppContext) -> PeriodicWorker | None:
    """None when no target is configured (no webhook URL and secret): decisions then wait in the outbox."""
    target = load_action_target(context)
    if target is None or context.db is None:
        return None
    db = context.db
    return PeriodicWorker(
        "action-delivery", lambda: deliver_due(db, target, utcnow()), context.settings.action_delivery_interval_seconds
    )
