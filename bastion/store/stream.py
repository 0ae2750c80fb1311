"""Stream receipts: which (platform, item id, content digest) a stream worker has already recorded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, text, tuple_
from sqlalchemy.orm import Session

from bastion.core import Item
from bastion.store.base import UTCDateTime
from bastion.store.dialect import is_postgresql, name_of, upsert_insert
from bastion.store.models.stream import StreamReceiptRow

Receipt = tuple[str, str, str]  # (platform, item id, content digest)


@dataclass(frozen=True)
class Delivery:
    """An item taken from the stream, with whose it is and the digest of its content (its redelivery key)."""

    item: Item
    platform: str
    digest: str

    @property
    def receipt(self) -> Receipt:
        return (self.platform, self.item.id, self.digest)


# One row per element of three arrays, in their order: the ORM's bulk insert of a batch's receipts cost about
# 9 ms of a stream worker's CPU per 256 (binding and reading back 1,024 parameters), this about 2.5.
_CLAIM_ON_POSTGRESQL = text(
    """
    INSERT INTO stream_receipts (platform, item_id, digest, recorded_at)
    SELECT platform, item_id, digest, :recorded_at
    FROM unnest(CAST(:platforms AS text[]), CAST(:item_ids AS text[]), CAST(:digests AS text[]))
        WITH ORDINALITY AS claimed (platform, item_id, digest, position)
    ORDER BY position
    ON CONFLICT DO NOTHING
    RETURNING platform, item_id, digest
    """
).bindparams(bindparam("recorded_at", type_=UTCDateTime()))


class StreamReceiptRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def claim(self, receipts: Sequence[Receipt], now: datetime) -> set[Receipt]:
        """Take these receipts in the caller's transaction; returns the ones no earlier transaction took.

        Rows go in key order, so two workers claiming overlapping batches lock them in
        the same order. On PostgreSQL a receipt another open transaction holds makes
        this one wait for it: once that commits, the receipt is not new here.
        """
        if not receipts:
            return set()
        in_order = sorted(set(receipts))
        if is_postgresql(self._session):
            platforms, item_ids, digests = (list(column) for column in zip(*in_order, strict=True))
            keys = {"platforms": platforms, "item_ids": item_ids, "digests": digests, "recorded_at": now}
            return {
                (row.platform, row.item_id, row.digest) for row in self._session.execute(_CLAIM_ON_POSTGRESQL, keys)
            }
        rows = [
            {"platform": platform, "item_id": item_id, "digest": digest, "recorded_at": now}
            for platform, item_id, digest in in_order
        ]
        statement = (
            upsert_insert(name_of(self._session))(StreamReceiptRow)
            .on_conflict_do_nothing()
            .returning(StreamReceiptRow.platform, StreamReceiptRow.item_id, StreamReceiptRow.digest)
        )
        taken = self._session.execute(statement, rows)
        return {(row.platform, row.item_id, row.digest) for row in taken}

    def delete_recorded_before(self, cutoff: datetime, limit: int) -> int:
        """Delete at most `limit` receipts recorded before `cutoff` (oldest first); returns how many went.

        Bounded so that each call is a short transaction holding a few thousand row locks, never the table.
        """
        oldest = (
            select(StreamReceiptRow.platform, StreamReceiptRow.item_id, StreamReceiptRow.digest)
            .where(StreamReceiptRow.recorded_at < cutoff)
            .order_by(StreamReceiptRow.recorded_at)
            .limit(limit)
        )
        key = tuple_(StreamReceiptRow.platform, StreamReceiptRow.item_id, StreamReceiptRow.digest)
        result = self._session.execute(delete(StreamReceiptRow).where(key.in_(oldest)))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def oldest(self) -> datetime | None:
        """When the oldest receipt kept was recorded (one index lookup): how far behind its pruning is."""
        return self._session.scalar(select(func.min(StreamReceiptRow.recorded_at)))
