"""Tables of the spine: items, verdicts, cases, API keys and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bastion.core import utcnow
from bastion.store.base import Base, JSONType, UTCDateTime

# An item is the pair (platform, id): each platform names its own items, so two platforms may send the same id.
_ITEM = ["items.platform", "items.id"]


class ItemRow(Base):
    """An item as received (media kept only as its hashes; the bytes are not stored).

    Its identity is (platform, id): the platform's own id, unique only within that platform."""

    __tablename__ = "items"
    __table_args__ = (PrimaryKeyConstraint("platform", "id"),)

    id: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(256), index=True)
    surface: Mapped[str | None] = mapped_column(String(64))
    lang: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    media: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # content type, size, hashes
    item_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    platform: Mapped[str] = mapped_column(String(128))


class VerdictRow(Base):
    """The latest verdict on an item; earlier ones live on in the audit log."""

    __tablename__ = "verdicts"
    __table_args__ = (
        PrimaryKeyConstraint("platform", "item_id"),
        ForeignKeyConstraint(["platform", "item_id"], _ITEM, ondelete="CASCADE"),
    )

    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(16), index=True)
    score: Mapped[float] = mapped_column(Float)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the verdict JSON as returned
    policy_version: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class CaseRow(Base):
    """An item waiting for or having had human review. One live case per item (per platform and id)."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_queue", "state", "priority", "opened_at"),
        UniqueConstraint("platform", "item_id", name="uq_cases_platform_item"),
        ForeignKeyConstraint(["platform", "item_id"], _ITEM, ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(256))
    state: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    source: Mapped[str] = mapped_column(String(32), default="detection")  # detection, report, legal, retro
    assignee: Mapped[str | None] = mapped_column(String(128))
    escalated_to: Mapped[str | None] = mapped_column(String(16))  # senior, legal
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock for claims

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it as is)


class ApiKeyRow(Base):
    """A platform's API key, stored as a SHA-256 of the secret (keys are long random), with its scopes."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[str] = mapped_column(String(256))  # space-separated, as in OAuth's `scope`
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditRow(Base):
    """One append-only, hash-chained audit record."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(256), index=True)
    actor: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class RuleFireRow(Base):
    """How often each rule fired per hour, live or in shadow, for alerts and dashboards.

    The row named `*` counts every item checked in that hour: the denominator of a rule's rate.
    """

    __tablename__ = "rule_fires"

    rule: Mapped[str] = mapped_column(String(128), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    shadow: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    fires: Mapped[int] = mapped_column(Integer, default=0)
