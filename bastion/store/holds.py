"""Material preserved under TCO Art 6: frozen copies of removed items and their related data, kept until their
hold ends and then purged. A re-sent item never changes its preserved copy: the copy is taken when held."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.store.models.core import ItemRow, VerdictRow
from bastion.store.models.orders import HoldRow
from bastion.store.models.review import DecisionRow


class HoldRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def place(self, hold: HoldRow) -> HoldRow:
        self._session.add(hold)
        self._session.flush()
        return hold

    def get(self, hold_id: int) -> HoldRow | None:
        return self._session.get(HoldRow, hold_id)

    def of_order(self, order_id: int) -> list[HoldRow]:
        return list(self._session.scalars(select(HoldRow).where(HoldRow.order_id == order_id).order_by(HoldRow.id)))

    def of_item(self, platform: str, item_id: str, order_id: int | None) -> HoldRow | None:
        query = select(HoldRow).where(
            HoldRow.platform == platform, HoldRow.item_id == item_id, HoldRow.order_id == order_id
        )
        return self._session.scalars(query).first()

    def live(self, limit: int = 500) -> list[HoldRow]:
        query = select(HoldRow).where(HoldRow.purged_at.is_(None)).order_by(HoldRow.keep_until).limit(limit)
        return list(self._session.scalars(query))

    def due(self, now: datetime) -> list[HoldRow]:
        """Live holds whose period has ended: what the purge job removes."""
        query = select(HoldRow).where(HoldRow.purged_at.is_(None), HoldRow.keep_until <= now).order_by(HoldRow.id)
        return list(self._session.scalars(query))

    def held_digests(self, now: datetime) -> set[str]:
        """The media (by SHA-256) that a live hold keeps: no retention or deletion job may remove them."""
        query = select(HoldRow.media_sha256).where(
            HoldRow.purged_at.is_(None), HoldRow.keep_until > now, HoldRow.media_sha256.is_not(None)
        )
        return {digest for digest in self._session.scalars(query) if digest}

    def is_held(self, platform: str, item_id: str, now: datetime) -> bool:
        """Whether an item is under a live hold (its rows and media must not be deleted)."""
        query = select(HoldRow.id).where(
            HoldRow.platform == platform,
            HoldRow.item_id == item_id,
            HoldRow.purged_at.is_(None),
            HoldRow.keep_until > now,
        )
        return self._session.scalar(query.limit(1)) is not None

    def mark_purged(self, hold: HoldRow, now: datetime) -> None:
        """The copy is gone: the material is emptied, the row stays as the record of what was held and when."""
        hold.material = {}
        hold.purged_at = now

    def snapshot(self, platform: str, item_id: str) -> dict[str, Any]:
        """The item and its related data as they stand now: what a hold freezes."""
        item = self._session.get(ItemRow, {"platform": platform, "id": item_id})
        verdict = self._session.get(VerdictRow, {"platform": platform, "item_id": item_id})
        decisions = self._session.scalars(
            select(DecisionRow)
            .where(DecisionRow.platform == platform, DecisionRow.item_id == item_id)
            .order_by(DecisionRow.id)
        )
        return {
            "item": _item(item) if item else None,
            "verdict": verdict.body if verdict else None,
            "decisions": [
                {"moderator": d.moderator, "action": d.action, "note": d.note, "decided_at": d.decided_at.isoformat()}
                for d in decisions
            ],
        }


def _item(item: ItemRow) -> dict[str, Any]:
    return {
        "platform": item.platform,
        "id": item.id,
        "kind": item.kind,
        "text": item.text,
        "author": item.author,
        "surface": item.surface,
        "lang": item.lang,
        "created_at": item.created_at.isoformat() if item.created_at else None,
        "received_at": item.received_at.isoformat(),
        "media": item.media,
        "metadata": item.item_metadata,
    }
