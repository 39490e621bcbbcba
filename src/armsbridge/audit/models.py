"""The audit log: append-only, hash-chained entries, and the head that serialises appends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from armsbridge.db.base import Base
from armsbridge.db.mixins import utcnow


class AuditEntry(Base):
    """One logged act: who did what to which record, when and why (LED art. 25)."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80), index=True)
    # The acting account's service: with `jurisdiction` (the record's), it decides which
    # auditors see the entry (audit.service.restrict_entries).
    actor_jurisdiction: Mapped[str | None] = mapped_column(String(2), index=True, default=None)
    action: Mapped[str] = mapped_column(String(40), index=True)
    record_type: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    record_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    jurisdiction: Mapped[str | None] = mapped_column(String(2), index=True, default=None)
    why: Mapped[str | None] = mapped_column(Text, default=None)
    recipient: Mapped[str | None] = mapped_column(String(120), default=None)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """A single row holding the last sequence number and hash; updating it locks the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditChange(Base):
    """One record a bulk write (an import) created or changed, under the entry of its file.

    The entry's details carry the count and the SHA-256 of these rows (`changes_sha256`), so the
    hash chain covers them: `audit verify` finds a row removed, added or altered.
    """

    __tablename__ = "audit_changes"
    __table_args__ = (Index("ix_audit_changes_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_seq: Mapped[int] = mapped_column(Integer, index=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(8))  # "create" or "change"
