"""Tables of imminent threats to life or safety (TCO Art 14(5), DSA Art 18) and the referrals made about them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bastion.core import utcnow
from bastion.store.base import Base, JSONType, UTCDateTime


class ThreatRow(Base):
    """A case a person marked as involving an imminent threat to life or safety (one marking per case)."""

    __tablename__ = "threats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    platform: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(256))
    countries: Mapped[list[str]] = mapped_column(JSONType, default=list)  # the Member States concerned
    note: Mapped[str] = mapped_column(Text, default="")
    marked_by: Mapped[str] = mapped_column(String(64))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class ReferralRow(Base):
    """Who told which authority about a threat, and when."""

    __tablename__ = "threat_referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    threat_id: Mapped[int] = mapped_column(ForeignKey("threats.id", ondelete="CASCADE"), index=True)
    authority: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(8))  # ISO code, or EU for Europol
    channel: Mapped[str] = mapped_column(String(200), default="")  # how it was sent (phone, SIENA, e-mail...)
    note: Mapped[str] = mapped_column(Text, default="")
    referred_by: Mapped[str] = mapped_column(String(64))
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
