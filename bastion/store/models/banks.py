"""Tables of known-content matching: banks, their entries, matches and feedback on entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bastion.core import utcnow
from bastion.store.base import Base, JSONType, UTCDateTime


class BankRow(Base):
    """A named set of hashes. An allow (benign) bank's matches veto other banks' matches.

    `owner` is the platform that made it over the API; NULL is an installation bank (made by an
    operator), which applies to every platform. A platform's bank applies to it and its subscribers.
    A name is unique within its owner: two platforms may each have a bank of the same name."""

    __tablename__ = "banks"
    __table_args__ = (
        UniqueConstraint("owner", "name", name="uq_banks_owner_name"),
        # NULLs are distinct in a unique constraint, so installation banks need their own unique index.
        Index(
            "uq_banks_installation_name",
            "name",
            unique=True,
            sqlite_where=text("owner IS NULL"),
            postgresql_where=text("owner IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    benign: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str] = mapped_column(String(32), default="propaganda")  # for labels that name none
    pdq_threshold: Mapped[int | None] = mapped_column(Integer)  # overrides the default distance
    owner: Mapped[str | None] = mapped_column(String(128), index=True, default=None)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # What its entries are: `hashes` (bank_entries) or `symbols` (bastion/store/models/symbols.py).
    holds: Mapped[str] = mapped_column(String(16), default="hashes", server_default="hashes")


class BankSubscriptionRow(Base):
    """A platform granted (by an operator) read-only use of another platform's bank: it matches for them too."""

    __tablename__ = "bank_subscriptions"
    __table_args__ = (UniqueConstraint("bank_id", "platform", name="uq_bank_subscriptions_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(128))
    granted_by: Mapped[str] = mapped_column(String(128))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BankEntryRow(Base):
    """One known piece of content, with its provenance. Ids only grow, so indexes load new ones incrementally."""

    __tablename__ = "bank_entries"
    __table_args__ = (UniqueConstraint("bank_id", "kind", "value", name="uq_bank_entries_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # pdq, md5, sha256
    value: Mapped[str] = mapped_column(String(128), index=True)
    labels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    source: Mapped[str | None] = mapped_column(String(256))
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    state: Mapped[str] = mapped_column(String(16), default="active")  # active, quarantined, removed
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # e.g. the file name it was hashed from
    # When it was last matched against past items; NULL is pending (new, or back from quarantine).
    retro_matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True, default=None)


class BankMatchRow(Base):
    """An item that matched an entry: the over-matching alarm counts these, retro matching writes them."""

    __tablename__ = "bank_matches"
    __table_args__ = (
        UniqueConstraint("entry_id", "platform", "item_id", name="uq_bank_matches_pair"),
        Index("ix_bank_matches_entry_at", "entry_id", "matched_at"),
        Index("ix_bank_matches_platform_item", "platform", "item_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(256))
    distance: Mapped[int] = mapped_column(Integer)
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retroactive: Mapped[bool] = mapped_column(Boolean, default=False)


class EntryFeedbackRow(Base):
    """A reviewer's confirm or dispute of a (third-party) entry: what goes back to its source."""

    __tablename__ = "bank_entry_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id", ondelete="CASCADE"), index=True)
    opinion: Mapped[str] = mapped_column(String(16))  # confirm, dispute
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
