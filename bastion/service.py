"""Check items and keep what was decided: the pipeline plus storage and audit.

The API, `bastion scan` and stream workers all call `Service.check_many`; the
only difference between them is where items come from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from bastion.banks.matches import quarantine_overmatching, record_matches
from bastion.core import Action, Item, Verdict
from bastion.media.preserve import preserve
from bastion.pipeline import Pipeline
from bastion.rules import Policy, raise_alerts, record_fires
from bastion.settings import Settings
from bastion.store.audit import append_audit
from bastion.store.base import utcnow
from bastion.store.db import Database
from bastion.store.group_commit import GroupCommitter
from bastion.store.models.core import AuditRow
from bastion.store.records import write_checked

_ALERT_EVERY = timedelta(minutes=1)
T = TypeVar("T")


@dataclass
class Service:
    pipeline: Pipeline
    db: Database
    settings: Settings = field(default_factory=Settings)
    _committer: GroupCommitter[tuple[Item, Verdict, str]] | None = field(default=None, init=False, repr=False)
    _alerts_checked: datetime | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, db: Database | None = None) -> Service:
        db = db or Database.from_settings(settings)
        db.migrate()
        service = cls(Pipeline.from_settings(settings), db, settings)
        with db.session() as session:
            record_policy(session, service.pipeline.policy)
        return service

    def check(self, item: Item, platform: str = "local") -> Verdict:
        return self.check_many([item], platform)[0]

    def check_many(self, items: Sequence[Item], platform: str = "local") -> list[Verdict]:
        """Check items, then record them all in one transaction.

        Detection runs before the transaction opens, so a bad item fails
        before anything is written.
        """
        now = utcnow()
        verdicts = self.pipeline.check_many(items, now)
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
        self._preserve_media([(item, verdict) for item, verdict, _ in entries])
        with self.db.session() as session:
            for platform, checked in by_platform.items():
                write_checked(session, checked, platform, now)
            self._after_write(session, [(item, verdict) for item, verdict, _ in entries], now)

    def _after_write(self, session: Session, checked: Sequence[tuple[Item, Verdict]], now: datetime) -> None:
        """Rule fire counts and bank matches, and now and then the alarms that watch them."""
        record_fires(session, [verdict for _, verdict in checked], now)
        record_matches(session, checked, now)
        if self._alerts_checked is None or now - self._alerts_checked >= _ALERT_EVERY:
            self._alerts_checked = now
            raise_alerts(session, now, self.settings.rule_alert_factor, self.settings.rule_alert_min_fires)
            quarantine_overmatching(session, now, self.settings.quarantine_matches_per_hour)

    def record(
        self,
        checked: Sequence[tuple[Item, Verdict]],
        platform: str,
        now: datetime | None = None,
        also: Callable[[Session], T] | None = None,
    ) -> T | None:
        """Store items, verdicts, cases and audit records together, or none of them.

        Re-checking an item id replaces its verdict and appends a new audit
        record; it never duplicates an item or a case. `also` runs in the same
        transaction (a report filed with the item it reports, say).
        """
        now = now or utcnow()
        self._preserve_media(checked)
        with self.db.session() as session:
            write_checked(session, checked, platform, now)
            self._after_write(session, checked, now)
            return also(session) if also else None

    def _preserve_media(self, checked: Sequence[tuple[Item, Verdict]]) -> None:
        """Keep the bytes a reviewer will need, before the transaction (no file I/O under the writer lock).

        A crash between the two leaves at most an unreferenced file, never a case without its media.
        """
        for item, verdict in checked:
            if verdict.action is not Action.ALLOW and item.media and item.media.base64:
                preserve(self.settings.data_dir / "media", item.media.data() or b"")


def record_policy(session: Session, policy: Policy) -> None:
    """Audit a policy the first time it is used, so every rule change is on the record."""
    subject = f"policy:{policy.version}"
    if session.scalar(select(AuditRow.seq).where(AuditRow.action == "policy.activate", AuditRow.subject == subject)):
        return
    rules = [
        {
            "name": r.spec.name,
            "version": r.spec.version,
            "mode": r.spec.mode,
            "action": r.spec.action.value,
            "when": r.spec.when,
        }
        for r in policy.rules
    ]
    append_audit(session, action="policy.activate", subject=subject, actor="system", payload={"rules": rules})
