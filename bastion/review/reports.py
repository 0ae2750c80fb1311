"""User reports: merged into one case per item, weighted by how often the reporter was right."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bastion.core import Priority
from bastion.store.audit import append_audit
from bastion.store.models.core import CaseRow
from bastion.store.models.review import ReportRow
from bastion.store.records import CaseRequest, open_case


class ReportReason(StrEnum):
    TERRORISM = "terrorism"
    VIOLENT_EXTREMISM = "violent_extremism"
    GRAPHIC_VIOLENCE = "graphic_violence"
    HATE = "hate"
    OTHER = "other"


# Reports never outrank hash matches; a trusted reporter's report comes close.
_TRUST_BONUS = Priority.HASH_MATCH - Priority.REPORT - 1


def reporter_trust(session: Session, reporter: str) -> float:
    """Share of the reporter's decided reports that were upheld, with a neutral prior (Laplace: 1/2 at first)."""
    counts = dict(
        session.execute(
            select(ReportRow.outcome, func.count())
            .where(ReportRow.reporter == reporter, ReportRow.outcome.is_not(None))
            .group_by(ReportRow.outcome)
        ).all()
    )
    upheld, rejected = counts.get("upheld", 0), counts.get("rejected", 0)
    return (upheld + 1) / (upheld + rejected + 2)


@dataclass(frozen=True)
class FiledReport:
    report: ReportRow
    case: CaseRow
    trust: float


def file_report(
    session: Session,
    item_id: str,
    author: str | None,
    reporter: str,
    reason: ReportReason,
    text: str,
    platform: str,
    now: datetime,
) -> FiledReport:
    trust = reporter_trust(session, reporter)
    report = ReportRow(
        item_id=item_id,
        reporter=reporter,
        author=author,
        reason=reason.value,
        text=text,
        platform=platform,
        reported_at=now,
    )
    session.add(report)
    priority = int(Priority.REPORT + round(_TRUST_BONUS * trust))
    case = open_case(session, CaseRequest(item_id, priority, [], "report"), now)
    session.flush()
    append_audit(
        session,
        action="report.file",
        subject=f"item:{item_id}",
        actor=f"reporter:{reporter}",
        payload={"report": report.id, "reason": reason.value, "trust": round(trust, 3), "case": case.id},
    )
    return FiledReport(report, case, trust)


@dataclass(frozen=True)
class ReportPressure:
    """Reports against one author: many reports from few reporters looks like mass-reporting."""

    author: str
    reports: int
    reporters: int

    @property
    def looks_coordinated(self) -> bool:
        return self.reports >= 5 and self.reporters <= max(1, self.reports // 3)


def pressure_on(session: Session, author: str, now: datetime, hours: int = 24) -> ReportPressure:
    reports, reporters = session.execute(
        select(func.count(), func.count(func.distinct(ReportRow.reporter))).where(
            ReportRow.author == author, ReportRow.reported_at >= now - timedelta(hours=hours)
        )
    ).one()
    return ReportPressure(author, int(reports), int(reporters))


def most_reported_authors(session: Session, now: datetime, hours: int = 24, limit: int = 10) -> list[ReportPressure]:
    rows = session.execute(
        select(ReportRow.author, func.count(), func.count(func.distinct(ReportRow.reporter)))
        .where(ReportRow.author.is_not(None), ReportRow.reported_at >= now - timedelta(hours=hours))
        .group_by(ReportRow.author)
        .order_by(func.count().desc())
        .limit(limit)
    ).all()
    return [ReportPressure(str(author), int(n), int(r)) for author, n, r in rows]
