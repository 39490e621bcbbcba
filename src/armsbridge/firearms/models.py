"""Tables of the firearms domain: trace requests and the serial n-gram index."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from armsbridge.db.base import Base
from armsbridge.db.mixins import utcnow
from armsbridge.records.models import SERIAL_KEY


class TraceRequest(Base):
    """One request to trace a firearm: to whom, when, and the answer when it came."""

    __tablename__ = "trace_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    firearm_id: Mapped[int] = mapped_column(
        ForeignKey("firearms.id", ondelete="CASCADE"), index=True
    )
    jurisdiction: Mapped[str] = mapped_column(String(2), index=True)
    sent_to: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(40), default="other")
    sent_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(120), default=None)
    answered_on: Mapped[date | None] = mapped_column(Date, default=None)
    answer: Mapped[str | None] = mapped_column(Text, default=None)
    outcome: Mapped[str | None] = mapped_column(String(40), default=None)
    recorded_by: Mapped[str] = mapped_column(String(80), default="system")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FirearmSerialGram(Base):
    """Trigram of a firearm's folded serial: finds serials that contain a read fragment."""

    __tablename__ = "firearm_serial_grams"
    # On SQLite the rows live in the primary-key B-tree itself: half the size, one lookup.
    __table_args__ = (
        Index("ix_firearm_serial_grams_firearm", "firearm_id"),
        {"sqlite_with_rowid": False},
    )

    gram: Mapped[str] = mapped_column(SERIAL_KEY, primary_key=True)
    firearm_id: Mapped[int] = mapped_column(
        ForeignKey("firearms.id", ondelete="CASCADE"), primary_key=True
    )
