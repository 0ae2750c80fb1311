"""User reports as stored: filed, counted per reporter and per author, settled when a case is decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bastion.store.models.review import ReportRow


@dataclass(frozen=True)
class ReporterRecord:
    """How a reporter's decided reports ended (what that says of them is `review.reports`' business)."""

    upheld: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class ReportPressure:
    """Reports against one author (an account of one platform) in a window, and from how many reporters."""

    platform: str
    author: str
    reports: int
    reporters: int


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, report: ReportRow) -> ReportRow:
        self._session.add(report)
        self._session.flush()
        return report

    def on_item(self, platform: str, item_id: str) -> list[ReportRow]:
        """The reports on the platform's item of that id, oldest first."""
        return list(self._session.scalars(_of_item(platform, item_id).order_by(ReportRow.id)))

    def any(self) -> bool:
        """Whether any report was ever filed."""
        return self._session.scalar(select(ReportRow.id).limit(1)) is not None

    def reporter_record(self, platform: str, reporter: str) -> ReporterRecord:
        return self.reporter_records(platform, [reporter])[reporter]

    def reporter_records(self, platform: str, reporters: list[str]) -> dict[str, ReporterRecord]:
        """Each of the platform's reporters' decided reports, in one query (a reporter is a platform's user:
        another platform's user of the same pseudonym is someone else)."""
        rows = self._session.execute(
            select(ReportRow.reporter, ReportRow.outcome, func.count())
            .where(
                ReportRow.platform == platform, ReportRow.reporter.in_(set(reporters)), ReportRow.outcome.is_not(None)
            )
            .group_by(ReportRow.reporter, ReportRow.outcome)
        ).all()
        counts: dict[str, dict[str, int]] = {reporter: {} for reporter in reporters}
        for reporter, outcome, n in rows:
            counts[reporter][str(outcome)] = int(n)
        return {r: ReporterRecord(c.get("upheld", 0), c.get("rejected", 0)) for r, c in counts.items()}

    def pressure_on(self, platform: str, author: str, since: datetime) -> ReportPressure:
        """Reports against the platform's author filed since `since`, and by how many reporters."""
        reports, reporters = self._session.execute(
            select(func.count(), func.count(func.distinct(ReportRow.reporter))).where(
                ReportRow.platform == platform, ReportRow.author == author, ReportRow.reported_at >= since
            )
        ).one()
        return ReportPressure(platform, author, int(reports), int(reporters))

    def most_reported_authors(self, since: datetime, limit: int) -> list[ReportPressure]:
        rows = self._session.execute(
            select(ReportRow.platform, ReportRow.author, func.count(), func.count(func.distinct(ReportRow.reporter)))
            .where(ReportRow.author.is_not(None), ReportRow.reported_at >= since)
            .group_by(ReportRow.platform, ReportRow.author)
            .order_by(func.count().desc())
            .limit(limit)
        ).all()
        return [ReportPressure(str(platform), str(author), int(n), int(r)) for platform, author, n, r in rows]

    def settle(self, platform: str, item_id: str, upheld: bool) -> None:
        """Give every undecided report on the platform's item the outcome of the decision."""
        for report in self._session.scalars(_of_item(platform, item_id).where(ReportRow.outcome.is_(None))):
            report.outcome = "upheld" if upheld else "rejected"

    def reject_upheld(self, platform: str, item_id: str) -> None:
        """Mark the upheld reports on the platform's item rejected (the action behind them was reversed)."""
        for report in self._session.scalars(_of_item(platform, item_id).where(ReportRow.outcome == "upheld")):
            report.outcome = "rejected"


def _of_item(platform: str, item_id: str) -> Select[ReportRow]:
    return select(ReportRow).where(ReportRow.platform == platform, ReportRow.item_id == item_id)
