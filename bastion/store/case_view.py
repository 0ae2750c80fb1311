"""One case with everything around it that a person needs to decide it, read in one go.

The web case page and the API both show this; neither builds it from its own queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, not_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bastion.store.models.banks import BankMatchRow
from bastion.store.models.core import CaseRow, ItemRow, VerdictRow
from bastion.store.models.review import AppealRow, DecisionRow, ReportRow
from bastion.store.reports import ReporterRecord, ReportPressure, ReportRepository

_NEIGHBOURS = 20  # earlier cases of the author, and items sharing a bank match, shown at most


@dataclass(frozen=True)
class PriorCase:
    """One of the author's other cases and what was decided on it (None while undecided)."""

    case: CaseRow
    action: str | None


@dataclass(frozen=True)
class CaseView:
    case: CaseRow
    item: ItemRow
    verdict: dict[str, Any]
    decisions: list[DecisionRow]
    open_appeal: AppealRow | None
    reports: list[ReportRow]
    reporters: dict[str, ReporterRecord]  # each reporter's track record, for their reports' weight
    pressure: ReportPressure | None  # reports against the author since the caller's `reports_since`
    prior: list[PriorCase] = field(default_factory=list)  # the author's conduct: their other cases, newest first
    related: list[str] = field(default_factory=list)  # other items matching the same bank entries
    bankable: list[str] = field(default_factory=list)  # banks the item can be added to (not benign ones)


def build_case_view(session: Session, case: CaseRow, reports_since: datetime, bankable: list[str]) -> CaseView:
    item = session.get(ItemRow, {"platform": case.platform, "id": case.item_id})
    assert item is not None  # a case's item is deleted with it (foreign key, on delete cascade)
    reports = ReportRepository(session)
    on_item = reports.on_item(item.platform, item.id)
    verdict = select(VerdictRow.body).where(VerdictRow.platform == item.platform, VerdictRow.item_id == item.id)
    return CaseView(
        case=case,
        item=item,
        verdict=session.scalar(verdict) or {},
        decisions=list(session.scalars(select(DecisionRow).where(DecisionRow.case_id == case.id))),
        open_appeal=session.scalar(select(AppealRow).where(AppealRow.case_id == case.id, AppealRow.outcome.is_(None))),
        reports=on_item,
        reporters=reports.reporter_records(item.platform, [r.reporter for r in on_item]),
        pressure=reports.pressure_on(item.platform, item.author, reports_since) if item.author else None,
        prior=_prior(session, case, item.platform, item.author) if item.author else [],
        related=_related(session, item.platform, item.id),
        bankable=bankable,
    )


def case_item(
    platform: InstrumentedAttribute[str], item_id: InstrumentedAttribute[str], case: CaseRow | None = None
) -> ColumnElement[bool]:
    """A case's item's rows: the same platform and the same id as the case (`case`, or joined rows of `cases`)."""
    if case is not None:
        return and_(platform == case.platform, item_id == case.item_id)
    return and_(platform == CaseRow.platform, item_id == CaseRow.item_id)


def _prior(session: Session, case: CaseRow, platform: str, author: str) -> list[PriorCase]:
    """The author's other cases: an author is a platform's account, so only cases of that platform's items."""
    rows = session.execute(
        select(CaseRow, DecisionRow.action)
        .join(ItemRow, case_item(ItemRow.platform, ItemRow.id))
        .outerjoin(DecisionRow, DecisionRow.case_id == CaseRow.id)
        .where(ItemRow.platform == platform, ItemRow.author == author, CaseRow.id != case.id)
        .order_by(CaseRow.opened_at.desc())
        .limit(_NEIGHBOURS)
    ).all()
    return [PriorCase(prior, action) for prior, action in rows]


def _related(session: Session, platform: str, item_id: str) -> list[str]:
    """Other items matching the same entries, as `<platform>/<id>` (another platform's item may share an id)."""
    entries = select(BankMatchRow.entry_id).where(BankMatchRow.platform == platform, BankMatchRow.item_id == item_id)
    itself = and_(BankMatchRow.platform == platform, BankMatchRow.item_id == item_id)
    rows = session.execute(
        select(BankMatchRow.platform, BankMatchRow.item_id)
        .where(BankMatchRow.entry_id.in_(entries), not_(itself))
        .distinct()
        .limit(_NEIGHBOURS)
    )
    return [f"{other}/{other_id}" for other, other_id in rows]
