"""Tables of capacity development: trainings, sessions, participants, campaigns, operations.

A joint training is held once but each jurisdiction records its own part of it (its participants,
its copy of the training and session, owned by that jurisdiction, as on two nodes). The training
and session `code` is the shared identity: counts of trainings and sessions are counts of distinct
codes, so a joint session is one session however many jurisdictions took part.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from armsbridge.db.base import Base
from armsbridge.db.mixins import RecordMixin


def _ext_unique(table: str) -> tuple[UniqueConstraint]:
    return (UniqueConstraint("jurisdiction", "external_ref", name=f"uq_{table}_external"),)


class Training(RecordMixin, Base):
    """A training course or workshop on one topic, made of one or more sessions."""

    __tablename__ = "trainings"
    __table_args__ = _ext_unique("trainings")

    code: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str | None] = mapped_column(String(300), default=None)
    topic: Mapped[str | None] = mapped_column(String(80), index=True, default=None)
    kind: Mapped[str] = mapped_column(String(20), default="training")
    organiser: Mapped[str | None] = mapped_column(String(200), default=None)

    sessions: Mapped[list[TrainingSession]] = relationship(back_populates="training")


class TrainingSession(RecordMixin, Base):
    """One sitting of a training: date, place and trainers."""

    __tablename__ = "training_sessions"
    __table_args__ = _ext_unique("training_sessions")

    code: Mapped[str] = mapped_column(String(80), index=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id"), index=True)
    held_on: Mapped[date | None] = mapped_column(Date, index=True, default=None)
    ended_on: Mapped[date | None] = mapped_column(Date, default=None)
    place: Mapped[str | None] = mapped_column(String(200), default=None)
    trainers: Mapped[list[str] | None] = mapped_column(JSON, default=None)

    training: Mapped[Training] = relationship(back_populates="sessions")


class Participant(RecordMixin, Base):
    """A trainee, known by a reference (no name needed), with sex, institution, unit, rank."""

    __tablename__ = "participants"
    __table_args__ = _ext_unique("participants")

    reference: Mapped[str] = mapped_column(String(120), index=True)
    sex: Mapped[str | None] = mapped_column(String(1), default=None)
    institution: Mapped[str | None] = mapped_column(String(200), default=None)
    unit: Mapped[str | None] = mapped_column(String(200), default=None)
    rank: Mapped[str | None] = mapped_column(String(80), default=None)


class Attendance(RecordMixin, Base):
    """A participant's attendance of one session, with pre- and post-test scores."""

    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("jurisdiction", "external_ref", name="uq_attendances_external"),
        UniqueConstraint("session_id", "participant_id", name="uq_attendances_pair"),
    )

    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    pre_score: Mapped[float | None] = mapped_column(Float, default=None)
    post_score: Mapped[float | None] = mapped_column(Float, default=None)


class KnowledgeProduct(RecordMixin, Base):
    """A manual, guide or assessment produced for continuous use, with its language versions."""

    __tablename__ = "knowledge_products"
    __table_args__ = _ext_unique("knowledge_products")

    code: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), default="manual")
    topic: Mapped[str | None] = mapped_column(String(80), default=None)
    languages: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    published_on: Mapped[date | None] = mapped_column(Date, default=None)


class Campaign(RecordMixin, Base):
    """An awareness campaign (mass media or targeted) in one jurisdiction."""

    __tablename__ = "campaigns"
    __table_args__ = _ext_unique("campaigns")

    code: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str | None] = mapped_column(String(300), default=None)
    kind: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date | None] = mapped_column(Date, index=True, default=None)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    audience: Mapped[str | None] = mapped_column(String(200), default=None)

    channels: Mapped[list[CampaignChannel]] = relationship(back_populates="campaign")


class CampaignChannel(RecordMixin, Base):
    """The metrics of one campaign on one channel: views, impressions, reach."""

    __tablename__ = "campaign_channels"
    __table_args__ = _ext_unique("campaign_channels")

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    channel: Mapped[str] = mapped_column(String(80))
    views: Mapped[int | None] = mapped_column(Integer, default=None)
    impressions: Mapped[int | None] = mapped_column(Integer, default=None)
    reach: Mapped[int | None] = mapped_column(Integer, default=None)

    campaign: Mapped[Campaign] = relationship(back_populates="channels")


class JointOperation(RecordMixin, Base):
    """A joint (cross-border) operation: dates, agencies taking part and its results."""

    __tablename__ = "joint_operations"
    __table_args__ = _ext_unique("joint_operations")

    code: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), default="joint_investigation")
    started_on: Mapped[date | None] = mapped_column(Date, index=True, default=None)
    ended_on: Mapped[date | None] = mapped_column(Date, default=None)
    agencies: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    results: Mapped[str | None] = mapped_column(Text, default=None)
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


# Record type name (vocab/records.yaml, imports, links) -> model class.
CAPACITY_MODELS: dict[str, type[RecordMixin]] = {
    "training": Training,
    "training_session": TrainingSession,
    "participant": Participant,
    "attendance": Attendance,
    "knowledge_product": KnowledgeProduct,
    "campaign": Campaign,
    "campaign_channel": CampaignChannel,
    "joint_operation": JointOperation,
}
