"""Notices (DSA Art 16) and registered notifiers as stored. What makes a notice complete is `legal.notices`'."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bastion.store.models.notices import NoticeRow, NotifierRow
from bastion.store.models.review import DecisionRow


class NoticeRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, notice: NoticeRow) -> NoticeRow:
        self._session.add(notice)
        self._session.flush()
        return notice

    def get(self, notice_id: int) -> NoticeRow | None:
        return self._session.get(NoticeRow, notice_id)

    def by_receipt(self, receipt: str) -> NoticeRow | None:
        return self._session.scalar(select(NoticeRow).where(NoticeRow.receipt == receipt))

    def on_case(self, case_id: int) -> list[NoticeRow]:
        """The notices that joined a case, oldest first."""
        return list(self._session.scalars(select(NoticeRow).where(NoticeRow.case_id == case_id).order_by(NoticeRow.id)))

    def decisions_on(self, case_id: int) -> list[DecisionRow]:
        """Every decision on a case (first, escalations, appeal outcomes), oldest first: what a notifier is told."""
        query = select(DecisionRow).where(DecisionRow.case_id == case_id).order_by(DecisionRow.id)
        return list(self._session.scalars(query))

    def from_address_since(self, address: str, since: datetime) -> int:
        """How many notices the web form took from this client address since `since` (its rate limit)."""
        query = select(func.count()).where(NoticeRow.address == address, NoticeRow.received_at >= since)
        return int(self._session.scalar(query) or 0)

    def add_notifier(self, notifier: NotifierRow) -> NotifierRow:
        self._session.add(notifier)
        self._session.flush()
        return notifier

    def notifier(self, email: str) -> NotifierRow | None:
        return self._session.scalar(select(NotifierRow).where(NotifierRow.email == email.lower()))

    def notifier_with_code(self, code_hash: str) -> NotifierRow | None:
        return self._session.scalar(select(NotifierRow).where(NotifierRow.code_hash == code_hash))

    def notifiers(self) -> list[NotifierRow]:
        return list(self._session.scalars(select(NotifierRow).order_by(NotifierRow.name)))
