"""Cases, decisions and appeals as stored. Which step is allowed, and for whom, is `bastion.review`'s.

A claim is one conditional UPDATE: it only takes the case if nobody changed it
since it was read (same state) and nobody else holds it (or their hold
expired), so two moderators claiming at once get one winner on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bastion.core import CaseState
from bastion.store.banks import qualified_name
from bastion.store.case_view import CaseView, build_case_view, case_item
from bastion.store.models.banks import BankRow
from bastion.store.models.core import CaseRow, ItemRow, VerdictRow
from bastion.store.models.review import AppealRow, DecisionRow

_ESCALATIONS = ("escalate_senior", "escalate_legal")


class CaseRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, case_id: int) -> CaseRow | None:
        return self._session.get(CaseRow, case_id)

    def earliest_open_deadline(self) -> datetime | None:
        """The nearest deadline (a removal order's clock) among cases nobody has decided yet."""
        undecided = CaseRow.state.in_([CaseState.OPEN.value, CaseState.ASSIGNED.value, CaseState.APPEALED.value])
        found: datetime | None = self._session.scalar(select(func.min(CaseRow.deadline)).where(undecided))
        return found

    def for_item(self, platform: str, item_id: str) -> CaseRow | None:
        """The case of the platform's item of that id (there is at most one)."""
        return self._session.scalar(select(CaseRow).where(CaseRow.platform == platform, CaseRow.item_id == item_id))

    def in_queue_order(
        self,
        states: Iterable[str],
        *,
        not_appealed_against: str,
        lang: str | None = None,
        source: str | None = None,
        opened_before: datetime | None = None,
        batch: int = 1000,
    ) -> Generator[tuple[CaseRow, ItemRow, dict[str, Any]], None, None]:
        """Cases in these states with their item and verdict, most urgent first (priority, deadline, age),
        streamed in batches; cases whose open appeal contests a decision by `not_appealed_against` are left out."""
        query = (
            select(CaseRow, ItemRow, VerdictRow.body)
            .join(ItemRow, case_item(ItemRow.platform, ItemRow.id))
            .outerjoin(VerdictRow, case_item(VerdictRow.platform, VerdictRow.item_id))
            .where(CaseRow.state.in_(list(states)), CaseRow.id.not_in(_open_appeals_against(not_appealed_against)))
            .order_by(CaseRow.priority.desc(), CaseRow.deadline.is_(None), CaseRow.deadline, CaseRow.opened_at)
        )
        if lang:
            query = query.where(ItemRow.lang == lang)
        if source:
            query = query.where(CaseRow.source == source)
        if opened_before is not None:
            query = query.where(CaseRow.opened_at <= opened_before)
        result = self._session.execute(query.execution_options(yield_per=batch))
        try:
            for case, item, body in result:
                yield case, item, body or {}
        finally:
            result.close()

    def appealed_against(self, case_id: int, moderator: str) -> bool:
        """Whether the case's open appeal contests a decision this moderator made."""
        found = _open_appeals_against(moderator).where(AppealRow.case_id == case_id).limit(1)
        return self._session.scalar(found) is not None

    def claim(self, case: CaseRow, assignee: str, state: str, now: datetime, expired_before: datetime) -> bool:
        """Give the case to `assignee` in `state` if it is still as read and free (or held by them, or held
        since before `expired_before`); whether they got it. The row is refreshed either way."""
        result = self._session.execute(
            update(CaseRow)
            .where(
                CaseRow.id == case.id,
                CaseRow.state == case.state,
                or_(CaseRow.assignee.is_(None), CaseRow.assignee == assignee, CaseRow.updated_at < expired_before),
            )
            .values(assignee=assignee, state=state, updated_at=now, version=CaseRow.version + 1)
            .execution_options(synchronize_session=False)
        )
        self._session.refresh(case)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def verdict_of(self, case: CaseRow) -> dict[str, Any]:
        """The stored verdict body of the case's item (empty for an item never checked)."""
        body = self._session.scalar(
            select(VerdictRow.body).where(case_item(VerdictRow.platform, VerdictRow.item_id, case))
        )
        return dict(body or {})

    def media_of(self, case: CaseRow) -> dict[str, Any]:
        """What is kept of the case's item's media (type, size, hashes; empty without media)."""
        media = self._session.scalar(select(ItemRow.media).where(case_item(ItemRow.platform, ItemRow.id, case)))
        return dict(media or {})

    def add_decision(self, decision: DecisionRow) -> DecisionRow:
        self._session.add(decision)
        self._session.flush()
        return decision

    def last_final_decision(self, case_id: int) -> DecisionRow | None:
        """The newest first-stage decision that was not an escalation: what an appeal contests."""
        return self._session.scalar(
            select(DecisionRow)
            .where(
                DecisionRow.case_id == case_id,
                DecisionRow.stage == "first",
                DecisionRow.action.not_in(_ESCALATIONS),
            )
            .order_by(DecisionRow.id.desc())
        )

    def add_appeal(self, appeal: AppealRow) -> AppealRow:
        self._session.add(appeal)
        self._session.flush()
        return appeal

    def open_appeal(self, case_id: int) -> AppealRow | None:
        """The newest appeal on the case that nobody has decided yet."""
        return self._session.scalar(
            select(AppealRow)
            .where(AppealRow.case_id == case_id, AppealRow.outcome.is_(None))
            .order_by(AppealRow.id.desc())
        )

    def appeal(self, appeal_id: int) -> AppealRow | None:
        return self._session.get(AppealRow, appeal_id)

    def complaints(self, open_only: bool) -> list[AppealRow]:
        """Complaints (DSA Art 20, TCO Art 10), the earliest answer date first, then the oldest."""
        query = select(AppealRow).where(AppealRow.kind == "complaint")
        if open_only:
            query = query.where(AppealRow.outcome.is_(None))
        return list(
            self._session.scalars(query.order_by(AppealRow.decide_by.is_(None), AppealRow.decide_by, AppealRow.id))
        )

    def bank_names(self) -> list[str]:
        """Names of the banks a case can be filtered by (as its signals name them)."""
        return list(self._session.scalars(select(BankRow.name).distinct().order_by(BankRow.name)))

    def bankable(self) -> list[str]:
        """The blocking banks a case's item can be added to, as operators name them (`<platform>/<name>`)."""
        rows = self._session.execute(
            select(BankRow.owner, BankRow.name).where(BankRow.benign.is_(False), BankRow.holds == "hashes")
        )
        return sorted(qualified_name(owner, name) for owner, name in rows)

    def case_view(self, case_id: int, reports_since: datetime) -> CaseView | None:
        """Everything a person needs to decide a case, in one read (reports against its author counted
        since `reports_since`); None when there is no such case."""
        case = self.get(case_id)
        banks = self.bankable()
        return None if case is None else build_case_view(self._session, case, reports_since, banks)


def _open_appeals_against(moderator: str) -> Any:
    return select(AppealRow.case_id).where(AppealRow.outcome.is_(None), AppealRow.excluded_moderator == moderator)
