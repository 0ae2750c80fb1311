"""Retroactive matching that runs by itself: new bank entries meet the items seen before them.

Entries are marked pending when they are added (or released from quarantine)
and stay so until a run has matched them, in the same transaction as the cases
it opens. A run starts right after entries are added and every
`retro_match_interval_seconds` besides, so entries whose run was cut short (a
crash, a restart) are matched by the next one.
"""

from __future__ import annotations

import threading

import structlog

from bastion.banks.matches import RetroMatch, match_pending
from bastion.settings import Settings
from bastion.store.base import utcnow
from bastion.store.db import Database

log = structlog.get_logger(__name__)


def match_all_pending(db: Database, settings: Settings) -> tuple[int, list[RetroMatch]]:
    """Every pending entry, a batch (and a transaction) at a time: (entries matched, matches)."""
    entries, found = 0, list[RetroMatch]()
    while True:
        with db.session() as session:
            batch, matches = match_pending(
                session,
                utcnow(),
                settings.retro_match_days,
                settings.pdq_threshold,
                settings.pdq_quality_floor,
                (settings.vpdq_query_match_percent, settings.vpdq_entry_match_percent),
            )
        if not batch:
            return entries, found
        entries, found = entries + batch, found + matches


class RetroMatchWorker:
    """A daemon thread beside the API; `wake` after adding entries, `stop` at shutdown."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self._db, self._settings = db, settings
        self._wake, self._stopping = threading.Event(), threading.Event()
        self._one_run = threading.Lock()  # a run on a request thread and one on the loop would match twice
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="retro-match", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def wake(self) -> None:
        self._wake.set()

    def run_once(self) -> int:
        """Match what is pending now; the number of matches."""
        with self._one_run:
            entries, found = match_all_pending(self._db, self._settings)
        if entries:
            log.info("retro_match", entries=entries, matches=len(found))
        return len(found)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_once()
            except Exception:  # a database hiccup must not end the loop; the entries stay pending
                log.exception("retro_match_failed")
            self._wake.wait(self._settings.retro_match_interval_seconds)
            self._wake.clear()
