"""What the stream workers keep so that a redelivered message changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bastion.store.base import Base, UTCDateTime


class StreamReceiptRow(Base):
    """One item content taken from the stream and recorded: its key makes a redelivery a no-op.

    The digest is of the item as checked, so the platform sending a changed item
    under the same id is a re-check (a new verdict), while the same message
    delivered twice is not.
    """

    __tablename__ = "stream_receipts"

    platform: Mapped[str] = mapped_column(String(128), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Indexed: `bastion stream prune-receipts` deletes the oldest in batches, each found without a scan.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
