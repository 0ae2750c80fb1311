"""Tables of removal orders (TCO Art 3, Annex I): the authorities that send them, the orders, the items each
order reaches, every transition of an order's clock, and what is preserved under them (Art 6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bastion.core import utcnow
from bastion.store.base import Base, JSONType, UTCDateTime


class AuthorityRow(Base):
    """A competent authority's account: it submits orders with its own credential, never a platform key."""

    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    member_state: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2 (Greece as EL or GR, as sent)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class OrderRow(Base):
    """A removal order with what Annex I carries, and its clock's state. The time of receipt starts the clock."""

    __tablename__ = "removal_orders"
    __table_args__ = (UniqueConstraint("issuing_authority", "reference", name="uq_removal_orders_reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    regime: Mapped[str] = mapped_column(String(32), default="eu-tco")
    platform: Mapped[str] = mapped_column(String(128), index=True)  # the addressee, as Bastion names it
    reference: Mapped[str] = mapped_column(String(128))
    issuing_state: Mapped[str] = mapped_column(String(2))
    issuing_authority: Mapped[str] = mapped_column(String(200))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(200))  # authority:<name> or user:<username>
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    grounds: Mapped[list[str]] = mapped_column(JSONType, default=list)  # Art 2(7)(a)-(e)
    reasons: Mapped[str] = mapped_column(Text, default="")
    redress: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(16), default="remove")  # remove, disable
    non_disclosure_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # Art 11(3)
    cross_border: Mapped[bool] = mapped_column(Boolean, default=False)  # Art 4: issued outside the home state
    clock: Mapped[str] = mapped_column(String(32), default="running", index=True)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # None while paused
    acted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # access disabled
    seconds_to_act: Mapped[int | None] = mapped_column(Integer, nullable=True)  # running time only, pauses left out
    late: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # acted after the deadline in force
    not_executed: Mapped[str | None] = mapped_column(String(32), nullable=True)  # why, when it never was
    scrutiny_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    scrutiny_outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # upheld, infringes
    alerts_sent: Mapped[list[int]] = mapped_column(JSONType, default=list)  # minutes-before points already raised
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # the order as submitted


class OrderTargetRow(Base):
    """An item an order reaches: named by id or URL, or a copy found by hash; and what was done to it."""

    __tablename__ = "removal_order_targets"
    __table_args__ = (Index("ix_removal_order_targets_item", "platform", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("removal_orders.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str | None] = mapped_column(String(256), nullable=True)  # None: the locator found nothing
    locator: Mapped[str] = mapped_column(Text)  # the URL or id as the order gives it
    found_by: Mapped[str] = mapped_column(String(16))  # id, url, sha256, md5 (a copy), none
    outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reinstated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ClockEventRow(Base):
    """One transition of an order's clock (running, paused, resumed, done), with its time and reason."""

    __tablename__ = "removal_order_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("removal_orders.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")


class HoldRow(Base):
    """Material preserved under Art 6: a frozen copy of the item and its related data, kept until `keep_until`."""

    __tablename__ = "preservation_holds"
    __table_args__ = (Index("ix_preservation_holds_item", "platform", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(256))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("removal_orders.id"), nullable=True)
    basis: Mapped[str] = mapped_column(String(200))  # the order or specific measure it is kept under
    material: Mapped[dict[str, Any]] = mapped_column(JSONType)  # item, verdict, decisions as they stood
    media_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the preserved copy's name
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    keep_until: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
