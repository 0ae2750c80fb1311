"""The figures behind the dashboard, read from cases, decisions and appeals."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bastion.store.models.core import CaseRow
from bastion.store.models.review import AppealRow, DecisionRow


class DashboardRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def opened_at(self, states: Iterable[str]) -> list[datetime]:
        """When each case in these states was opened."""
        return list(self._session.scalars(select(CaseRow.opened_at).where(CaseRow.state.in_(list(states)))))

    def first_decisions_since(self, since: datetime) -> list[DecisionRow]:
        """First-stage decisions (escalations included, appeal outcomes not) made since `since`."""
        query = select(DecisionRow).where(DecisionRow.stage == "first", DecisionRow.decided_at >= since)
        return list(self._session.scalars(query))

    def appeals(self) -> int:
        return int(self._session.scalar(select(func.count()).select_from(AppealRow)) or 0)

    def appeal_outcomes(self) -> Counter[str]:
        """Decided appeals by outcome (upheld, reversed)."""
        return Counter(self._session.scalars(select(AppealRow.outcome).where(AppealRow.outcome.is_not(None))))

    def reversed_cases(self) -> set[int]:
        """Cases whose decision was reversed on appeal."""
        return set(self._session.scalars(select(AppealRow.case_id).where(AppealRow.outcome == "reversed")))
