"""The action outbox as stored: actions written with their decision, leased and marked as delivery goes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bastion.store.base import execute_core
from bastion.store.models.review import OutboxRow

_ENQUEUE = insert(OutboxRow.__table__)  # type: ignore[arg-type]


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def enqueue(self, platform: str, item_id: str, action: str, details: dict[str, Any], now: datetime) -> OutboxRow:
        """Keep an action on the platform's item, due at once, in the caller's transaction."""
        row = OutboxRow(
            platform=platform, item_id=item_id, action=action, payload=details, created_at=now, next_attempt_at=now
        )
        self._session.add(row)
        self._session.flush()
        return row

    def enqueue_many(self, actions: list[tuple[str, str, str, dict[str, Any]]], now: datetime) -> None:
        """Keep many (platform, item id, action, details), due at once, in one statement (a stream batch's verdicts)."""
        if actions:
            rows = [
                {
                    "platform": platform,
                    "item_id": item_id,
                    "action": action,
                    "payload": details,
                    "created_at": now,
                    "attempts": 0,
                    "next_attempt_at": now,
                }
                for platform, item_id, action, details in actions
            ]
            execute_core(self._session, _ENQUEUE, rows)  # a core insert: the ORM's bulk path cost more

    def due(self, now: datetime, limit: int) -> list[int]:
        """Ids of undelivered actions whose next attempt is due, oldest first."""
        query = (
            select(OutboxRow.id)
            .where(OutboxRow.delivered_at.is_(None), OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def lease(self, outbox_id: int, now: datetime, until: datetime) -> OutboxRow | None:
        """Hold a due action until `until` so no other process sends it meanwhile (a conditional UPDATE);
        the row, or None when it was delivered or is held elsewhere."""
        claimed = self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id, OutboxRow.delivered_at.is_(None), OutboxRow.next_attempt_at <= now)
            .values(next_attempt_at=until)
        ).rowcount  # type: ignore[attr-defined]
        return self._session.get(OutboxRow, outbox_id) if claimed else None

    def record_attempt(
        self, outbox_id: int, now: datetime, error: str | None, backoff: Callable[[int], timedelta]
    ) -> None:
        """Count one delivery attempt: delivered when `error` is None, else due again after `backoff(attempts)`."""
        row = self._session.get(OutboxRow, outbox_id)
        assert row is not None  # outbox rows are never deleted
        row.attempts += 1
        row.last_error = error
        if error is None:
            row.delivered_at = now
        else:
            row.next_attempt_at = now + backoff(row.attempts)
