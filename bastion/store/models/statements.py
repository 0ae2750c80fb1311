"""Statements of reasons (DSA Art 17) as stored: one per restrictive decision, with the facts Art 17(3) asks for,
whether and when the uploader was told (held while a TCO Art 11(3) non-disclosure decision runs), and how its
submission to the Transparency Database went (Art 24(5))."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bastion.store.base import Base, JSONType, UTCDateTime


class StatementRow(Base):
    """A statement of reasons for one restriction of one item, written in the decision's transaction."""

    __tablename__ = "statements"
    __table_args__ = (
        Index("ix_statements_platform_item", "platform", "item_id"),
        Index("ix_statements_held", "told_at", "held_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    puid: Mapped[str] = mapped_column(String(64), unique=True)  # the Transparency Database's idempotency key
    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(256))
    basis: Mapped[str] = mapped_column(String(16))  # review, order, automatic: where the restriction came from
    path: Mapped[str] = mapped_column(String(32))  # statements.DecisionPath: sets the automation flags
    restriction: Mapped[str] = mapped_column(String(16))  # remove, disable, restrict, label
    category: Mapped[str | None] = mapped_column(String(32))
    countries: Mapped[list[str]] = mapped_column(JSONType, default=list)  # a geo-block's countries; [] = everywhere
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    order_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rules: Mapped[list[str]] = mapped_column(JSONType, default=list)  # "name vN" of the live rules that fired
    detectors: Mapped[list[str]] = mapped_column(JSONType, default=list)  # whose signals flagged the item
    facts: Mapped[str] = mapped_column(Text)  # Art 17(3)(b), written by Bastion: never the item's text
    automated_detection: Mapped[bool] = mapped_column()
    automated_decision: Mapped[str] = mapped_column(String(40))  # the TDB's AUTOMATED_DECISION_* value
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the TDB record, validated, no personal data
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # TCO Art 11(3)
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # sent to the platform's webhook
    outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tdb_state: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # see store.statements
    tdb_attempts: Mapped[int] = mapped_column(Integer, default=0)
    tdb_uuid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tdb_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    tdb_error: Mapped[str | None] = mapped_column(Text, nullable=True)
