"""User reports: merged into one case per item, weighted by how often the reporter was right."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bastion.core import Priority
from bastion.store.items import CaseRequest, item_subject
from bastion.store.models.core import CaseRow
from bastion.store.models.review import ReportRow
from bastion.store.reports import ReporterRecord, ReportPressure
from bastion.store.transaction import Transaction


class ReportReason(StrEnum):
    TERRORISM = "terrorism"
    VIOLENT_EXTREMISM = "violent_extremism"
    GRAPHIC_VIOLENCE = "graphic_violence"
    HATE = "hate"
    OTHER = "other"


# Reports never outrank hash matches; a trusted reporter's report comes close.
_TRUST_BONUS = Priority.HASH_MATCH - Priority.REPORT - 1
PRESSURE_WINDOW = timedelta(hours=24)  # how far back reports against an author count as pressure on them


def trust_of(record: ReporterRecord) -> float:
    """Share of decided reports that were upheld, with a neutral prior (Laplace: 1/2 at first)."""
    return (record.upheld + 1) / (record.upheld + record.rejected + 2)


def reporter_trust(tx: Transaction, platform: str, reporter: str) -> float:
    """How far the platform's reporter has been right (another platform's user of that pseudonym is not them)."""
    return trust_of(tx.reports.reporter_record(platform, reporter))


@dataclass(frozen=True)
class Pressure:
    """Reports against one author in the last `PRESSURE_WINDOW`: many reports from few reporters
    looks like mass-reporting, which a moderator should weigh before acting on them."""

    platform: str
    author: str
    reports: int
    reporters: int

    @classmethod
    def of(cls, counts: ReportPressure) -> Pressure:
        return cls(counts.platform, counts.author, counts.reports, counts.reporters)

    @property
    def looks_coordinated(self) -> bool:
        return self.reports >= 5 and self.reporters <= max(1, self.reports // 3)


@dataclass(frozen=True)
class FiledReport:
    report: ReportRow
    case: CaseRow
    trust: float


def file_report(
    tx: Transaction,
    item_id: str,
    author: str | None,
    reporter: str,
    reason: ReportReason,
    text: str,
    platform: str,
    now: datetime,
) -> FiledReport:
    """Keep a user's report and open (or raise) the item's case by how often this reporter was right."""
    trust = reporter_trust(tx, platform, reporter)
    report = tx.reports.add(
        ReportRow(
            item_id=item_id,
            reporter=reporter,
            author=author,
            reason=reason.value,
            text=text,
            platform=platform,
            reported_at=now,
        )
    )
    priority = int(Priority.REPORT + round(_TRUST_BONUS * trust))
    case = tx.items.open_case(CaseRequest(platform, item_id, priority, [], "report"), now)
    tx.audit.append(
        action="report.file",
        subject=item_subject(platform, item_id),
        actor=f"reporter:{reporter}",
        payload={"report": report.id, "reason": reason.value, "trust": round(trust, 3), "case": case.id},
    )
    return FiledReport(report, case, trust)


def pressure_on(tx: Transaction, platform: str, author: str, now: datetime) -> Pressure:
    """Reports against the platform's author in the last day, and from how many reporters."""
    return Pressure.of(tx.reports.pressure_on(platform, author, now - PRESSURE_WINDOW))


def most_reported_authors(tx: Transaction, now: datetime, limit: int = 10) -> list[Pressure]:
    return [Pressure.of(counts) for counts in tx.reports.most_reported_authors(now - PRESSURE_WINDOW, limit)]
