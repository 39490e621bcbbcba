"""Match runs (with their model), suggested matches with evidence, and analysts' decisions.

A match never changes or removes a record: an accepted match is a `same_as` Link between the two
records, and undoing it removes only that link. Decisions are kept per pair of records, so they
are re-applied to every later run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from armsbridge.db.base import Base
from armsbridge.db.mixins import utcnow

MATCH_STATUSES = ("review", "auto_accepted", "confirmed", "rejected", "unsure", "undone")
DECISIONS = ("confirm", "reject", "unsure", "undo")


class MatchRun(Base):
    """One run of the engine over one record type, with the model it trained and used."""

    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    started_by: Mapped[str] = mapped_column(String(80), default="system")
    model_version: Mapped[str] = mapped_column(String(20))
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[int] = mapped_column(Integer)
    trained: Mapped[bool] = mapped_column(Boolean, default=False)
    records: Mapped[int] = mapped_column(Integer, default=0)
    candidate_pairs: Mapped[int] = mapped_column(Integer, default=0)
    suggested: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    auto_accept_threshold: Mapped[float] = mapped_column(Float)
    review_threshold: Mapped[float] = mapped_column(Float)
    # "store": every record of the type; "received": records the exchange brought against the
    # node's own (matching.received).
    scope: Mapped[str] = mapped_column(String(20), default="store")


class MatchLink(Base):
    """A suggested or accepted match of two records of one type found by a run."""

    __tablename__ = "match_links"
    __table_args__ = (
        UniqueConstraint("run_id", "left_id", "right_id", name="uq_match_links_run_pair"),
        Index("ix_match_links_pair", "entity_type", "left_id", "right_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id", ondelete="CASCADE"), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    left_id: Mapped[int] = mapped_column(Integer)
    right_id: Mapped[int] = mapped_column(Integer)
    probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    same_as_link_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # The two records belong to different services (one of them received through the exchange).
    cross_border: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MatchDecision(Base):
    """An analyst's decision on a pair of records; the latest one for a pair applies."""

    __tablename__ = "match_decisions"
    __table_args__ = (Index("ix_match_decisions_pair", "entity_type", "left_id", "right_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    left_id: Mapped[int] = mapped_column(Integer)
    right_id: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(20))
    decided_by: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    match_link_id: Mapped[int | None] = mapped_column(Integer, default=None)
