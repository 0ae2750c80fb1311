"""Retroactive matching that runs by itself: new bank entries meet the items seen before them.

Entries are marked pending when they are added (or released from quarantine)
and stay so until a run has matched them, in the same transaction as the cases
it opens. `serve` runs it right after entries are added and every
`retro_match_interval_seconds` besides, so entries whose run was cut short (a
crash, a restart) are matched by the next one.
"""

from __future__ import annotations

import structlog

from bastion.banks.matches import match_pending
from bastion.core import utcnow
from bastion.settings import Settings
from bastion.store.banks import BankMatch
from bastion.store.db import Database
from bastion.workers.loop import PeriodicWorker

log = structlog.get_logger(__name__)


def match_all_pending(db: Database, settings: Settings) -> tuple[int, list[BankMatch]]:
    """Every pending entry, a batch (and a transaction) at a time: (entries matched, matches)."""
    entries, found = 0, list[BankMatch]()
    while True:
        with db.transaction() as tx:
            batch, matches = match_pending(
                tx,
                utcnow(),
                settings.retro_match_days,
                settings.pdq_threshold,
                settings.pdq_quality_floor,
                (settings.vpdq_query_match_percent, settings.vpdq_entry_match_percent),
            )
        if not batch:
            if entries:
                log.info("retro_match", entries=entries, matches=len(found))
            return entries, found
        entries, found = entries + batch, found + matches


def retro_match_worker(db: Database, settings: Settings) -> PeriodicWorker:
    return PeriodicWorker("retro-match", lambda: match_all_pending(db, settings), settings.retro_match_interval_seconds)
