"""Columns every record carries: owner jurisdiction, source, who and when, retention review."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Return the current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


class RecordMixin:
    """Owner jurisdiction, provenance and retention columns shared by every record type."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(2), index=True)
    external_ref: Mapped[str | None] = mapped_column(String(120), index=True, default=None)
    source_ref: Mapped[str | None] = mapped_column(String(200), default=None)
    handling_code: Mapped[str] = mapped_column(String(2), default="H0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80), default="system")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    updated_by: Mapped[str] = mapped_column(String(80), default="system")
    retention_review_on: Mapped[date | None] = mapped_column(Date, default=None)
