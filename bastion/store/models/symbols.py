"""Tables of symbol matching: the symbols of symbol banks, their reference images, and their matches.

A symbol bank is a row of `banks` whose `holds` is `symbols`: it shares the hash banks' owner, sharing,
enable/disable and allow-bank (benign) controls; its entries are symbols, not hashes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bastion.core import utcnow
from bastion.store.base import Base, JSONType, UTCDateTime


class SymbolRow(Base):
    """A registered emblem (a flag, a logo, an insignia) with its provenance and sensitivity."""

    __tablename__ = "symbols"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(256))
    labels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    source: Mapped[str | None] = mapped_column(String(256))
    # How readily it matches, in [0, 1]: a match counts when its score reaches 1 - sensitivity.
    sensitivity: Mapped[float] = mapped_column(Float, default=0.7)
    state: Mapped[str] = mapped_column(String(16), default="active")  # active, quarantined, removed
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class SymbolReferenceRow(Base):
    """One reference image of a symbol (PNG, at most 512 px) and its local features, computed once when added."""

    __tablename__ = "symbol_references"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    symbol_id: Mapped[int] = mapped_column(ForeignKey("symbols.id", ondelete="CASCADE"), index=True)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    features: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SymbolMatchRow(Base):
    """An item in which a symbol was found, where, and what a moderator said about it (confirm, dispute)."""

    __tablename__ = "symbol_matches"
    __table_args__ = (
        UniqueConstraint("symbol_id", "platform", "item_id", name="uq_symbol_matches_pair"),
        Index("ix_symbol_matches_symbol_at", "symbol_id", "matched_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    symbol_id: Mapped[int] = mapped_column(ForeignKey("symbols.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(256))
    score: Mapped[float] = mapped_column(Float)
    polygon: Mapped[list[list[float]]] = mapped_column(JSONType, default=list)
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opinion: Mapped[str | None] = mapped_column(String(16), default=None)  # confirm, dispute
    opinion_by: Mapped[str | None] = mapped_column(String(128), default=None)
    opinion_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
