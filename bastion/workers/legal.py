"""The legal clock that `serve` runs beside the API: acknowledgements stop order clocks, alerts are raised
before deadlines, and preserved material whose period has ended is purged (TCO Art 3, 6)."""

from __future__ import annotations

import structlog

from bastion.core import utcnow
from bastion.legal.deadlines import TickReport, tick
from bastion.legal.preservation import PurgeReport, purge_due
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.workers.loop import PeriodicWorker

log = structlog.get_logger(__name__)


def legal_step(db: Database, settings: Settings) -> tuple[TickReport, PurgeReport]:
    now = utcnow()
    with db.transaction() as tx:
        ticked = tick(tx, now, settings)
    purged = purge_due(db, settings.data_dir, now)
    if ticked.disabled or ticked.alerts or ticked.released or purged.purged:
        log.info(
            "legal_step",
            disabled=ticked.disabled,
            closed=ticked.closed,
            alerts=ticked.alerts,
            released=ticked.released,
            purged=purged.purged,
        )
    return ticked, purged


def legal_worker(db: Database, settings: Settings) -> PeriodicWorker:
    return PeriodicWorker("legal-clock", lambda: legal_step(db, settings), settings.legal_tick_interval_seconds)
