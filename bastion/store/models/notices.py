"""Tables of DSA notices (Art 16) and of the notifiers Bastion knows, trusted flaggers among them (Art 22)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bastion.core import utcnow
from bastion.store.base import Base, UTCDateTime


class NotifierRow(Base):
    """A notifier the platform's operators registered; `trusted` when a Digital Services Coordinator
    awarded it trusted-flagger status (DSA Art 22(2)). Its notices prove who sent them with `code_hash`."""

    __tablename__ = "notifiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    awarded_by: Mapped[str | None] = mapped_column(String(2))  # the Member State whose coordinator awarded it
    expertise: Mapped[str] = mapped_column(String(200), default="")
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the notifier's code
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NoticeRow(Base):
    """A notice of allegedly illegal content with the elements of DSA Art 16(2), and the case it joined."""

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_platform_item", "platform", "item_id"),
        Index("ix_notices_address_received", "address", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    receipt: Mapped[str] = mapped_column(String(64), unique=True)  # the notifier's unguessable reference
    platform: Mapped[str] = mapped_column(String(128))  # with item_id, the item noticed (no foreign key: 0008)
    item_id: Mapped[str] = mapped_column(String(256))
    url: Mapped[str | None] = mapped_column(Text)
    notice_type: Mapped[str] = mapped_column(String(32), index=True)
    explanation: Mapped[str] = mapped_column(Text)
    notifier_name: Mapped[str | None] = mapped_column(String(200))
    notifier_email: Mapped[str | None] = mapped_column(String(320))
    notifier_id: Mapped[int | None] = mapped_column(ForeignKey("notifiers.id"), nullable=True)
    trusted_flagger: Mapped[bool] = mapped_column(Boolean, default=False)  # as the notifier stood on receipt
    good_faith: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(8))  # api (a platform forwarding) or web (the public form)
    address: Mapped[str | None] = mapped_column(String(64))  # the web form's client address, for its rate limit
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
