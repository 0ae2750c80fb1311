"""Tables of actors (accounts, pages, groups, channels, rooms): what they post, how they look over time, their
strikes, the cases about them, the fingerprints of removed ones (the respawn bank) and co-posting links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bastion.core import utcnow
from bastion.store.base import Base, JSONType, UTCDateTime


class ActorRow(Base):
    """An actor is the triple (platform, kind, external id): `account` for an item's author, `container` for the
    page, group, channel or room it was posted in. Its latest profile is kept here, earlier ones in snapshots."""

    __tablename__ = "actors"
    __table_args__ = (UniqueConstraint("platform", "kind", "external_id", name="uq_actors_platform_kind_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # account, container
    external_id: Mapped[str] = mapped_column(String(256))
    surface: Mapped[str | None] = mapped_column(String(64))  # a container's type as the platform names it
    name: Mapped[str] = mapped_column(Text, default="")
    handle: Mapped[str] = mapped_column(String(256), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_pdq: Mapped[str | None] = mapped_column(String(64))
    banner_pdq: Mapped[str | None] = mapped_column(String(64))
    account_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    items: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)  # items removed by an upheld decision
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, restricted, suspended, removed


class ActorProfileRow(Base):
    """One profile as it was shown from `seen_at` (a snapshot is kept only when something changed)."""

    __tablename__ = "actor_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(256))  # the profile item that showed it
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    name: Mapped[str] = mapped_column(Text, default="")
    handle: Mapped[str] = mapped_column(String(256), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_pdq: Mapped[str | None] = mapped_column(String(64))
    banner_pdq: Mapped[str | None] = mapped_column(String(64))


class ActorPostRow(Base):
    """An item an actor posted (as its author) or that was posted in it (as its container)."""

    __tablename__ = "actor_posts"
    __table_args__ = (
        PrimaryKeyConstraint("actor_id", "platform", "item_id"),
        Index("ix_actor_posts_item", "platform", "item_id"),
    )

    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # author, container
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PostedMarkRow(Base):
    """A media hash or link an account's item carried: what respawn and co-posting matching look up."""

    __tablename__ = "posted_marks"
    __table_args__ = (
        Index("ix_posted_marks_value", "kind", "value"),
        UniqueConstraint("platform", "item_id", "kind", "value", name="uq_posted_marks_item_value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(256))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # sha256, pdq, url
    value: Mapped[str] = mapped_column(String(512))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ActorCaseRow(Base):
    """A case about an actor as a whole, why it was opened, and the evidence counted when it was."""

    __tablename__ = "actor_cases"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # conduct, container, respawn, network
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    linked_case_id: Mapped[int | None] = mapped_column(Integer)  # a respawn's original case
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StrikeRow(Base):
    """A strike from one upheld restricting decision; a reversal on appeal revokes it."""

    __tablename__ = "strikes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))  # the decision's action: remove, restrict
    category: Mapped[str] = mapped_column(String(32))
    weight: Mapped[float] = mapped_column(default=1.0)
    struck_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RespawnEntryRow(Base):
    """The fingerprints of a removed actor, kept to recognise it when it comes back."""

    __tablename__ = "respawn_bank"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(128))
    profile: Mapped[dict[str, Any]] = mapped_column(JSONType)  # name, handle, bio, avatar_pdq, banner_pdq
    marks: Mapped[list[list[str]]] = mapped_column(JSONType, default=list)  # [kind, value] it posted
    banked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ActorLinkRow(Base):
    """Two accounts that posted the same removed media or link within the network window (lower id first)."""

    __tablename__ = "actor_links"
    __table_args__ = (PrimaryKeyConstraint("actor_a", "actor_b"),)

    actor_a: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    actor_b: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    shared: Mapped[list[str]] = mapped_column(JSONType, default=list)  # "kind:value" of what both posted
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
