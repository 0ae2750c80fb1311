"""Tables of the learning loop: judge answers, text models and their states, shadow verdicts, blind samples.

Rows that name an item store (platform, item_id) without a foreign key to
`items`: they are records about an item, kept even if the item is gone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bastion.core import utcnow
from bastion.store.base import Base, JSONType, UTCDateTime


class JudgeAnswerRow(Base):
    """A judge's valid answer about a text, under one policy version, by one judge model (the cache)."""

    __tablename__ = "judge_answers"
    __table_args__ = (UniqueConstraint("digest", "policy_version", "judge_model", name="uq_judge_answers_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the text; the text itself is not kept here
    policy_version: Mapped[str] = mapped_column(String(64))
    judge_model: Mapped[str] = mapped_column(String(128))
    answer: Mapped[dict[str, Any]] = mapped_column(JSONType)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TextModelRow(Base):
    """A text model Bastion knows besides the packaged one: a candidate, in shadow, live, or retired."""

    __tablename__ = "text_models"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(Text)  # the model directory on the serving hosts
    state: Mapped[str] = mapped_column(String(16), index=True)  # candidate, shadow, live, retired, rolled_back
    replaced: Mapped[str | None] = mapped_column(String(64))  # the live version it replaced when promoted
    card: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # what it was trained on, its figures
    registered_by: Mapped[str] = mapped_column(String(128))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    shadow_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ShadowVerdictRow(Base):
    """What a model in shadow said about an item of live traffic: stored, never acted on."""

    __tablename__ = "shadow_verdicts"
    __table_args__ = (UniqueConstraint("platform", "item_id", "model_version", name="uq_shadow_verdicts_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(256))
    model_version: Mapped[str] = mapped_column(String(64), index=True)
    score: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    is_tvec: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str | None] = mapped_column(String(16))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class BlindSampleRow(Base):
    """An item the model allowed, sent to review at random so that what it misses can be counted.

    The case looks like any other to the moderator; only this table knows it was a sample."""

    __tablename__ = "blind_samples"
    __table_args__ = (UniqueConstraint("platform", "item_id", name="uq_blind_samples_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(256))
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    rate: Mapped[float] = mapped_column(Float)  # the sampling rate in force: the sample weighs 1/rate
    lang: Mapped[str | None] = mapped_column(String(16))
    model_version: Mapped[str | None] = mapped_column(String(64))
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
