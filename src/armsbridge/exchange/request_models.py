"""Tables of information requests: one row per request (or spontaneous share) on each side.

A request asked by this node has side "asker"; one this node was asked has side "owner". The
same reference (`ref`, a UUID) names the request on both nodes. A spontaneous share (an alert,
a case summary) sent without a prior request is a row of kind "spontaneous" on both sides.
Records received for a request are found by their provenance (Provenance.request_ref = ref, or
Provenance.share_id = ref for a spontaneous share): no copy of them is kept here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from armsbridge.db.base import Base
from armsbridge.db.mixins import utcnow

SIDES = ("asker", "owner")
KINDS = ("request", "spontaneous")
URGENCIES = ("urgent-direct", "urgent", "normal")
# Stored states: an asked request is "open" until its answer; then answered, partly or refused.
# A spontaneous share is "received" (asker side) or "sent" (owner side).
REQUEST_STATES = ("open", "answered", "partly", "refused", "received", "sent")


class InfoRequest(Base):
    """A request for information (or a spontaneous share) between this node and a peer."""

    __tablename__ = "exchange_requests"
    __table_args__ = (
        UniqueConstraint("side", "ref", name="uq_exchange_requests_side_ref"),
        Index("ix_exchange_requests_queue", "side", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(36))
    side: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(12), default="request")
    peer_id: Mapped[int] = mapped_column(Integer, index=True)
    # The user who asked: on the asker side her local account, on the owner side as the
    # envelope names her (username and display name of the other node's account).
    requester: Mapped[str] = mapped_column(String(120))
    requester_name: Mapped[str | None] = mapped_column(String(200), default=None)
    requester_id: Mapped[int | None] = mapped_column(Integer, default=None)
    subjects: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # {type, ref}
    description: Mapped[str | None] = mapped_column(Text, default=None)
    justification: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    case_id: Mapped[int | None] = mapped_column(Integer, default=None)
    state: Mapped[str] = mapped_column(String(12), default="open", index=True)
    message_id: Mapped[str | None] = mapped_column(String(36), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    answered_by: Mapped[str | None] = mapped_column(String(120), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    handling_code: Mapped[str | None] = mapped_column(String(2), default=None)
    records_sent: Mapped[int] = mapped_column(Integer, default=0)
    share_id: Mapped[str | None] = mapped_column(String(36), default=None)
