"""Tables of joint operations: the operation both nodes mirror, its items and its records.

`exchange_operations` holds one row per joint operation on each node, with the same `op_id`
(a UUID chosen by the side that invites) and `code` on both. `exchange_operation_items` holds
its tasks, notes and timeline entries, each with a stable `item_id`: an item sent again (a
task marked done) replaces the row instead of adding one. `exchange_operation_records` ties
the records shared for the operation, sent or received, to it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from armsbridge.db.base import Base
from armsbridge.db.mixins import utcnow

OPERATION_STATES = ("invited", "declined", "active", "closed-by-XK", "closed-by-MK", "closed")
ITEM_KINDS = ("task", "note", "event", "patrol", "report")


class LiveOperation(Base):
    """A joint operation as this node holds it: its terms, its state, its local case."""

    __tablename__ = "exchange_operations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    op_id: Mapped[str] = mapped_column(String(36), unique=True)
    code: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text)
    handling_code: Mapped[str] = mapped_column(String(2))
    restriction: Mapped[str | None] = mapped_column(Text, default=None)
    starts_on: Mapped[date | None] = mapped_column(Date, default=None)
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    initiator: Mapped[str] = mapped_column(String(2))  # jurisdiction that invited
    partner: Mapped[str] = mapped_column(String(2))  # jurisdiction invited
    peer_id: Mapped[int] = mapped_column(
        Integer, index=True
    )  # the other node, as this one knows it
    state: Mapped[str] = mapped_column(String(16), default="invited", index=True)
    case_id: Mapped[int | None] = mapped_column(Integer, default=None)  # this node's case
    reporting_id: Mapped[int | None] = mapped_column(Integer, default=None)  # joint_operations row
    agencies: Mapped[list[str] | None] = mapped_column(JSON, default=None)  # both services' names
    invited_by: Mapped[str] = mapped_column(String(120))
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    decline_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # {jurisdiction: {"at", "by", "reason", "results"}} of each side that closed its part.
    closures: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class OperationItem(Base):
    """A task, note or timeline entry of a joint operation, from either side."""

    __tablename__ = "exchange_operation_items"
    __table_args__ = (UniqueConstraint("operation_id", "item_id", name="uq_operation_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("exchange_operations.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(8))
    side: Mapped[str] = mapped_column(String(2))  # jurisdiction of the author
    author: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)


class OperationRecord(Base):
    """A record shared for a joint operation: sent by this node or received from the other."""

    __tablename__ = "exchange_operation_records"
    __table_args__ = (
        UniqueConstraint("operation_id", "record_type", "record_id", name="uq_operation_record"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("exchange_operations.id", ondelete="CASCADE"), index=True
    )
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    side: Mapped[str] = mapped_column(String(2))  # jurisdiction that shared it
    message_id: Mapped[str] = mapped_column(String(36))
    shared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
