"""Tables of the hit/no-hit set: the match keys of the node's records, sealed for PSI; budgets.

`hit_keys` holds one row per (record, match key). `digest` is the SHA-256 of the key text (the
PSI item: the same on every node), `enc` the item encrypted under the node's PSI key (what a
peer compares), `ref` the opaque reference a peer is given after a hit. Rows only grow by the
keys of changed records, so a new seizure is sealed alone, never the whole set.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from armsbridge.db.base import Base


class HitKey(Base):
    """One match key of one of the node's own records, with its PSI ciphertext."""

    __tablename__ = "hit_keys"
    __table_args__ = (
        UniqueConstraint("record_type", "record_id", "digest", name="uq_hit_keys_record_digest"),
        Index("ix_hit_keys_enc", "enc"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # grows: a peer's watermark
    digest: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer, index=True)
    ref: Mapped[str] = mapped_column(String(40), index=True)
    enc: Mapped[bytes | None] = mapped_column(LargeBinary(33), default=None)
    epoch: Mapped[str] = mapped_column(String(16))


class HitState(Base):
    """A named watermark of the set's refresh (last `updated_at` seen per record type, ...)."""

    __tablename__ = "hit_state"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class HitBudget(Base):
    """Items a peer's user (or the peer as a whole, user "*") has queried on one day."""

    __tablename__ = "hit_budget"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    peer: Mapped[str] = mapped_column(String(60), primary_key=True)
    user: Mapped[str] = mapped_column(String(120), primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


class HitPeerSet(Base):
    """What the asker keeps of one peer's set: its tags of one PSI epoch, up to a watermark.

    The tags (8 bytes of each of the peer's sealed keys) are useless without the peer's key; they
    let the asker tell a hit from the peer's answer without downloading the set on every query.
    """

    __tablename__ = "hit_peer_sets"

    peer: Mapped[str] = mapped_column(String(60), primary_key=True)
    epoch: Mapped[str] = mapped_column(String(16))
    upto: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only when it moved
