"""Tables of human review: moderators, decisions, user reports, appeals, and the action outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bastion.core import utcnow
from bastion.store.base import Base, JSONType, UTCDateTime


class UserRow(Base):
    """A person who reviews, with a role and their own wellbeing settings."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    blur_media: Mapped[bool] = mapped_column(Boolean, default=True)
    grayscale_media: Mapped[bool] = mapped_column(Boolean, default=True)
    break_after: Mapped[int] = mapped_column(Integer, default=20)  # graphic items before a suggested break
    # Every session cookie carries the generation it was issued in; raising it ends them all.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoginFailureRow(Base):
    """A failed login of any name typed (known or not) from one address; or, with `locks`, the lock it started."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    locks: Mapped[str | None] = mapped_column(String(16), nullable=True)  # "username" or "address"


class DecisionRow(Base):
    """What a person decided about a case (first decision, escalations, appeal outcomes)."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_platform_item", "platform", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(128))  # with item_id, the case's item
    item_id: Mapped[str] = mapped_column(String(256))
    moderator: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    countries: Mapped[list[str]] = mapped_column(JSONType, default=list)
    stage: Mapped[str] = mapped_column(String(16), default="first")  # first, appeal
    detectors: Mapped[list[str]] = mapped_column(JSONType, default=list)  # whose flags this decision judged
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    seconds_to_decide: Mapped[int | None] = mapped_column(Integer)
    policy_version: Mapped[str | None] = mapped_column(String(64))  # the TVEC policy the decision applied


class ReportRow(Base):
    """A user's report of an item, from the platform."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_author_at", "author", "reported_at"),
        Index("ix_reports_platform_item", "platform", "item_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(String(256))
    reporter: Mapped[str] = mapped_column(String(256), index=True)
    author: Mapped[str | None] = mapped_column(String(256))
    reason: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    platform: Mapped[str] = mapped_column(String(128))  # the platform that filed it, whose item it is
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(16))  # upheld, rejected, once decided


class AppealRow(Base):
    """An author's appeal against a decision on their content."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(256))
    appellant: Mapped[str] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text, default="")
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    excluded_moderator: Mapped[str] = mapped_column(String(64))  # who decided first; never the one to review
    outcome: Mapped[str | None] = mapped_column(String(16))  # upheld, reversed
    # A complaint (DSA Art 20, TCO Art 10) is an appeal lodged against a statement of reasons, within its window.
    kind: Mapped[str] = mapped_column(String(16), default="appeal", server_default="appeal")  # appeal, complaint
    statement_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decide_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # TCO Art 10(2): two weeks
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OutboxRow(Base):
    """An action for the platform, kept until its webhook acknowledges it (at-least-once)."""

    __tablename__ = "action_outbox"
    __table_args__ = (Index("ix_action_outbox_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(128))  # whose item: the platform the action is for
    item_id: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
