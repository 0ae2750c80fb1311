"""Statements of reasons as stored (DSA Art 17): written with their decision, told to the uploader through the
outbox unless held (TCO Art 11(3)), and submitted to the Transparency Database (Art 24(5)).

A statement's submission state (`tdb_state`):
`pending` (not yet sent), `sending` (a batch holding it was sent and no answer has been recorded: whether it
arrived is asked by its puid before it is sent again), `submitted` (the database has it), `rejected` (the database
refused it; `tdb_error` says why; it is never re-sent as it is).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bastion.store.models.review import OutboxRow
from bastion.store.models.statements import StatementRow

PENDING, SENDING, SUBMITTED, REJECTED = "pending", "sending", "submitted", "rejected"


class StatementRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, statement: StatementRow) -> StatementRow:
        self._session.add(statement)
        self._session.flush()
        return statement

    def get(self, statement_id: int) -> StatementRow | None:
        return self._session.get(StatementRow, statement_id)

    def by_puid(self, puid: str) -> StatementRow | None:
        return self._session.scalar(select(StatementRow).where(StatementRow.puid == puid))

    def for_item(self, platform: str, item_id: str) -> list[StatementRow]:
        """The platform's item's statements, oldest first."""
        query = (
            select(StatementRow)
            .where(StatementRow.platform == platform, StatementRow.item_id == item_id)
            .order_by(StatementRow.id)
        )
        return list(self._session.scalars(query))

    def held_due(self, now: datetime) -> list[StatementRow]:
        """Statements held back from the uploader whose hold has run out by `now`, oldest first."""
        query = (
            select(StatementRow)
            .where(StatementRow.told_at.is_(None), StatementRow.held_until <= now)
            .order_by(StatementRow.id)
        )
        return list(self._session.scalars(query))

    def informed_at(self, statement: StatementRow) -> datetime | None:
        """When the uploader was told: the platform's acknowledgement of the statement's action, else its sending."""
        if statement.outbox_id is None:
            return statement.told_at
        delivered: datetime | None = self._session.scalar(
            select(OutboxRow.delivered_at).where(OutboxRow.id == statement.outbox_id)
        )
        return delivered or statement.told_at

    def unsent(self, limit: int, now: datetime, hold_undisclosed: bool) -> list[StatementRow]:
        """Pending statements to submit, oldest first; with `hold_undisclosed`, not those still held from the
        uploader (TCO Art 11(3)): nothing public about a removal while its non-disclosure decision runs."""
        query = select(StatementRow).where(StatementRow.tdb_state == PENDING)
        if hold_undisclosed:
            query = query.where(or_(StatementRow.held_until.is_(None), StatementRow.held_until <= now))
        return list(self._session.scalars(query.order_by(StatementRow.id).limit(limit)))

    def in_state(self, state: str, limit: int) -> list[StatementRow]:
        """Statements in a submission state, oldest first."""
        query = select(StatementRow).where(StatementRow.tdb_state == state).order_by(StatementRow.id).limit(limit)
        return list(self._session.scalars(query))

    def mark(self, ids: Collection[int], state: str, now: datetime, error: str | None = None) -> None:
        """Move statements to a submission state; `sending` counts an attempt."""
        if not ids:
            return
        values: dict[str, object] = {"tdb_state": state, "tdb_error": error}
        if state == SENDING:
            values["tdb_attempts"] = StatementRow.tdb_attempts + 1
        if state == SUBMITTED:
            values["tdb_submitted_at"] = now
        self._session.execute(update(StatementRow).where(StatementRow.id.in_(list(ids))).values(**values))

    def record_uuid(self, puid: str, uuid: str | None) -> None:
        self._session.execute(update(StatementRow).where(StatementRow.puid == puid).values(tdb_uuid=uuid))

    def counts(self) -> dict[str, int]:
        """How many statements are in each submission state."""
        query = select(StatementRow.tdb_state, func.count()).group_by(StatementRow.tdb_state)
        return {state: int(n) for state, n in self._session.execute(query)}

    def records(self) -> list[dict[str, object]]:
        """Every statement's Transparency Database record, oldest first."""
        return [dict(r) for r in self._session.scalars(select(StatementRow.record).order_by(StatementRow.id))]
