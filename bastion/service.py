"""Check items and keep what was decided: the pipeline plus storage and audit.

The API, `bastion scan` and stream workers all call `Service.check_many`; the
only difference between them is where items come from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from bastion.core import Item, Verdict
from bastion.pipeline import Pipeline
from bastion.rules import record_fires
from bastion.settings import Settings
from bastion.store.base import utcnow
from bastion.store.db import Database
from bastion.store.group_commit import GroupCommitter
from bastion.store.records import write_checked


@dataclass
class Service:
    pipeline: Pipeline
    db: Database
    _committer: GroupCommitter[tuple[Item, Verdict, str]] | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, db: Database | None = None) -> Service:
        db = db or Database.from_settings(settings)
        db.migrate()
        return cls(Pipeline.from_settings(settings), db)

    def check(self, item: Item, platform: str = "local") -> Verdict:
        return self.check_many([item], platform)[0]

    def check_many(self, items: Sequence[Item], platform: str = "local") -> list[Verdict]:
        """Check items, then record them all in one transaction.

        Detection runs before the transaction opens, so a bad item fails
        before anything is written.
        """
        now = utcnow()
        verdicts = [self.pipeline.check(item, now) for item in items]
        self.record(list(zip(items, verdicts, strict=True)), platform, now)
        return verdicts

    async def check_and_record(self, item: Item, platform: str, in_thread: bool = False) -> Verdict:
        """Check one item and return once its verdict is committed (group commit).

        `in_thread` runs detection in a worker thread, for media items whose
        decoding and hashing would otherwise hold up the event loop.
        """
        verdict = await run_in_threadpool(self.pipeline.check, item) if in_thread else self.pipeline.check(item)
        if self._committer is None:
            self._committer = GroupCommitter(self._record_entries)
        await self._committer.submit((item, verdict, platform))
        return verdict

    def _record_entries(self, entries: list[tuple[Item, Verdict, str]]) -> None:
        by_platform: dict[str, list[tuple[Item, Verdict]]] = {}
        for item, verdict, platform in entries:
            by_platform.setdefault(platform, []).append((item, verdict))
        now = utcnow()
        with self.db.session() as session:
            for platform, checked in by_platform.items():
                write_checked(session, checked, platform, now)
            record_fires(session, [verdict for _, verdict, _ in entries], now)

    def record(self, checked: Sequence[tuple[Item, Verdict]], platform: str, now: datetime | None = None) -> None:
        """Store items, verdicts, cases and audit records together, or none of them.

        Re-checking an item id replaces its verdict and appends a new audit
        record; it never duplicates an item or a case.
        """
        now = now or utcnow()
        with self.db.session() as session:
            write_checked(session, checked, platform, now)
            record_fires(session, [verdict for _, verdict in checked], now)
