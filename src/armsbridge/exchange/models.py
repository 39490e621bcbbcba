"""Exchange tables: this node's identity, its peers, the outbox and the inbox.

Private keys are never stored here: the node's signing key lives in a 0600 key file (or a
setting), see exchange.identity. The tables hold public keys and message bookkeeping only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from armsbridge.db.base import Base
from armsbridge.db.mixins import utcnow
from armsbridge.exchange import (
    hit_models,  # noqa: F401 - the hit/no-hit set's tables join these
    operation_models,  # noqa: F401 - joint operations' tables
    request_models,  # noqa: F401 - information requests' tables
)

STATES = ("queued", "sent", "delivered", "failed", "refused")


class NodeIdentity(Base):
    """This node as its peers know it (one row): jurisdiction, name, URL, public keys."""

    __tablename__ = "exchange_node"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(120))
    url: Mapped[str | None] = mapped_column(String(500), default=None)
    public_key: Mapped[str] = mapped_column(String(64))
    previous_key: Mapped[str | None] = mapped_column(String(64), default=None)
    previous_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Peer(Base):
    """Another node this node exchanges with, known by the public key checked out of band."""

    __tablename__ = "exchange_peers"
    __table_args__ = (Index("ix_exchange_peers_active", "jurisdiction", "removed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(2))
    url: Mapped[str | None] = mapped_column(String(500), default=None)
    public_key: Mapped[str] = mapped_column(String(64))
    previous_key: Mapped[str | None] = mapped_column(String(64), default=None)
    previous_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    pings_received: Mapped[int] = mapped_column(Integer, default=0)
    last_ping_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class OutboxMessage(Base):
    """A message to a peer, written in the transaction of the change that caused it."""

    __tablename__ = "exchange_outbox"
    __table_args__ = (Index("ix_exchange_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    peer_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Public key (base64) whose private half signs this message: the node's key when it was
    # queued, so a key-rotation message is signed by the old key and reaches peers first.
    signer_key: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class InboxMessage(Base):
    """A message received and applied (once: the message id and the nonce are unique)."""

    __tablename__ = "exchange_inbox"
    __table_args__ = (Index("ix_exchange_inbox_sent_at", "sent_at"),)  # pruning (pruning.py)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    sender: Mapped[str] = mapped_column(String(2), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Disclosure(Base):
    """A record this node disclosed to a peer: what was sent, under which conditions, when.

    One row per record and peer, kept so that a later change of the record reaches the peer
    (exchange.sharing.queue_updates) with the fields and handling code it was disclosed with.
    """

    __tablename__ = "exchange_disclosures"
    __table_args__ = (
        UniqueConstraint("peer_id", "record_type", "record_id", name="uq_disclosure_record"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer_id: Mapped[int] = mapped_column(Integer, index=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    handling_code: Mapped[str] = mapped_column(String(2))
    restriction: Mapped[str | None] = mapped_column(Text, default=None)
    source_grade: Mapped[str] = mapped_column(String(1))
    information_grade: Mapped[str] = mapped_column(String(1))
    purpose: Mapped[str] = mapped_column(Text)
    request_ref: Mapped[str | None] = mapped_column(String(36), default=None)
    operation_ref: Mapped[str | None] = mapped_column(String(36), default=None)
    share_id: Mapped[str] = mapped_column(String(36))
    message_id: Mapped[str] = mapped_column(String(36))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
