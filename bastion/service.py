"""Check items and keep what was decided: the pipeline plus storage and audit.

The API, `bastion scan` and stream workers all call `Service.check_many`; the
only difference between them is where items come from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.core import Action, Item, Verdict
from bastion.pipeline import Pipeline
from bastion.settings import Settings
from bastion.store.audit import append_audit
from bastion.store.base import utcnow
from bastion.store.db import Database
from bastion.store.models.core import CaseRow, ItemRow, VerdictRow


@dataclass
class Service:
    pipeline: Pipeline
    db: Database

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

    def record(self, checked: Sequence[tuple[Item, Verdict]], platform: str, now: datetime | None = None) -> None:
        """Store items, verdicts, cases and audit records together, or none of them.

        Re-checking an item id replaces its verdict and appends a new audit
        record; it never duplicates an item or a case.
        """
        now = now or utcnow()
        with self.db.session() as session:
            for item, verdict in checked:
                record_verdict(session, item, verdict, platform, now)


def record_verdict(session: Session, item: Item, verdict: Verdict, platform: str, now: datetime) -> None:
    session.merge(_item_row(item, verdict, platform, now))
    body = verdict.model_dump(mode="json")
    session.merge(
        VerdictRow(
            item_id=item.id,
            action=verdict.action.value,
            score=verdict.score,
            priority=verdict.priority,
            categories=[c.value for c in verdict.categories],
            body=body,
            policy_version=verdict.policy_version,
            decided_at=now,
        )
    )
    if verdict.action is not Action.ALLOW:
        open_case(session, item.id, verdict.priority, [c.value for c in verdict.categories], "detection", now)
    append_audit(session, action="verdict", subject=item.id, actor=f"platform:{platform}", payload=_audit_view(body))
    _record_rule_fires(session, verdict, now)


def open_case(
    session: Session,
    item_id: str,
    priority: int,
    categories: list[str],
    source: str,
    now: datetime,
    deadline: datetime | None = None,
) -> CaseRow:
    """Open a case for the item, or raise the priority of its live one (idempotent)."""
    case = session.scalars(select(CaseRow).where(CaseRow.item_id == item_id)).first()
    if case is None:
        case = CaseRow(
            item_id=item_id, state="open", priority=priority, categories=categories,
            source=source, opened_at=now, deadline=deadline,
        )
        session.add(case)
        session.flush()
        append_audit(session, action="case.open", subject=item_id, actor="system",
                     payload={"case": case.id, "source": source, "priority": priority})
        return case
    case.priority = max(case.priority, priority)
    case.categories = sorted(set(case.categories) | set(categories))
    if deadline and (case.deadline is None or deadline < case.deadline):
        case.deadline = deadline
    return case


def _item_row(item: Item, verdict: Verdict, platform: str, now: datetime) -> ItemRow:
    return ItemRow(
        id=item.id,
        kind=item.kind.value,
        text=item.text,
        author=item.author,
        surface=item.surface,
        lang=item.lang or verdict.lang,
        created_at=item.created_at,
        received_at=now,
        media=_media_facts(item, verdict),
        item_metadata=item.metadata,
        platform=platform,
    )


def _media_facts(item: Item, verdict: Verdict) -> dict[str, Any] | None:
    """What is kept of media: its type, size and hashes, never the bytes themselves."""
    if item.media is None:
        return None
    data = item.media.data()
    hashes: dict[str, Any] = {}
    for signal in verdict.signals:
        hashes.update(signal.evidence.get("hashes") or {})
    return {
        "content_type": item.media.content_type,
        "size": len(data) if data else None,
        "url": item.media.url,
        "hashes": hashes,
    }


def _audit_view(body: dict[str, Any]) -> dict[str, Any]:
    """The verdict as audited: everything that explains it, nothing of the content."""
    return {key: body[key] for key in ("action", "score", "categories", "priority", "rules",
                                        "shadow_rules", "policy_version", "signals")}


def _record_rule_fires(session: Session, verdict: Verdict, now: datetime) -> None:
    from bastion.rules import record_fires

    record_fires(session, verdict, now)
