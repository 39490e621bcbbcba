"""Capacity development services: record trainings, attendance, campaigns, operations, products.

Every write goes through the records writer (records.service.upsert_record): the account's role
and service are checked, values are validated against vocab/records.yaml (the same rules as an
import), each record written leaves its audit entry, and recording the same fact twice
(same jurisdiction and external_ref) never duplicates it.
Services never commit.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from armsbridge.auth.principal import Principal
from armsbridge.capacity.models import (
    Attendance,
    Campaign,
    CampaignChannel,
    JointOperation,
    KnowledgeProduct,
    Participant,
    Training,
    TrainingSession,
)
from armsbridge.db.mixins import RecordMixin
from armsbridge.records.service import upsert_record

M = TypeVar("M", bound=RecordMixin)

_TYPE_OF: dict[type, str] = {
    Training: "training",
    TrainingSession: "training_session",
    Participant: "participant",
    Attendance: "attendance",
    KnowledgeProduct: "knowledge_product",
    Campaign: "campaign",
    CampaignChannel: "campaign_channel",
    JointOperation: "joint_operation",
}


def _upsert(session: Session, model: type[M], *, key: str, user: Principal, **values: Any) -> M:
    """Create or update one capacity record through the writer (checks, validation, audit)."""
    data = {k: v for k, v in values.items() if v is not None}  # an empty cell changes nothing
    record, _created = upsert_record(
        session, record_type=_TYPE_OF[model], data={**data, "external_ref": key}, user=user
    )
    return record


def record_participation(
    session: Session,
    *,
    jurisdiction: str,
    training_code: str,
    session_code: str,
    participant_ref: str,
    kind: str = "training",
    training_title: str | None = None,
    topic: str | None = None,
    session_date: date | str | None = None,
    sex: str | None = None,
    institution: str | None = None,
    pre_score: float | None = None,
    post_score: float | None = None,
    user: Principal,
) -> Attendance:
    """Record that a participant attended a session of a training (a participant-list row)."""
    training = _upsert(
        session,
        Training,
        key=training_code,
        user=user,
        jurisdiction=jurisdiction,
        code=training_code,
        title=training_title,
        topic=topic,
        kind=kind,
    )
    sitting = _upsert(
        session,
        TrainingSession,
        key=session_code,
        user=user,
        jurisdiction=jurisdiction,
        code=session_code,
        training_id=training.id,
        held_on=session_date,
    )
    person = _upsert(
        session,
        Participant,
        key=participant_ref,
        user=user,
        jurisdiction=jurisdiction,
        reference=participant_ref,
        sex=sex,
        institution=institution,
    )
    return _upsert(
        session,
        Attendance,
        key=f"{session_code}/{participant_ref}",
        user=user,
        jurisdiction=jurisdiction,
        session_id=sitting.id,
        participant_id=person.id,
        pre_score=pre_score,
        post_score=post_score,
    )


def record_campaign_channel(
    session: Session,
    *,
    jurisdiction: str,
    campaign_code: str,
    kind: str,
    channel: str,
    title: str | None = None,
    start_date: date | str | None = None,
    end_date: date | str | None = None,
    views: int | None = None,
    impressions: int | None = None,
    reach: int | None = None,
    user: Principal,
) -> CampaignChannel:
    """Record one campaign's metrics on one channel (one row of a campaign metrics file)."""
    campaign = _upsert(
        session,
        Campaign,
        key=campaign_code,
        user=user,
        jurisdiction=jurisdiction,
        code=campaign_code,
        title=title,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
    )
    return _upsert(
        session,
        CampaignChannel,
        key=f"{campaign_code}/{channel}",
        user=user,
        jurisdiction=jurisdiction,
        campaign_id=campaign.id,
        channel=channel,
        views=views,
        impressions=impressions,
        reach=reach,
    )


def record_joint_operation(
    session: Session,
    *,
    jurisdiction: str,
    code: str,
    title: str,
    kind: str = "joint_investigation",
    started_on: date | str | None = None,
    ended_on: date | str | None = None,
    agencies: list[str] | str | None = None,
    results: str | None = None,
    user: Principal,
) -> JointOperation:
    """Record a joint operation with its dates, agencies and results."""
    return _upsert(
        session,
        JointOperation,
        key=code,
        user=user,
        jurisdiction=jurisdiction,
        code=code,
        title=title,
        kind=kind,
        started_on=started_on,
        ended_on=ended_on,
        agencies=agencies,
        results=results,
    )


def record_knowledge_product(
    session: Session,
    *,
    jurisdiction: str,
    code: str,
    title: str,
    kind: str = "manual",
    topic: str | None = None,
    languages: list[str] | str | None = None,
    published_on: date | str | None = None,
    user: Principal,
) -> KnowledgeProduct:
    """Record a knowledge product (manual, guide, assessment) and its language versions."""
    return _upsert(
        session,
        KnowledgeProduct,
        key=code,
        user=user,
        jurisdiction=jurisdiction,
        code=code,
        title=title,
        kind=kind,
        topic=topic,
        languages=languages,
        published_on=published_on,
    )


def training_summary(session: Session, *, jurisdiction: str | None = None) -> list[dict[str, Any]]:
    """Return one row per training code: title, topic, kind, sessions and distinct participants."""
    stmt = (
        select(
            Training.code,
            func.min(Training.title),
            func.min(Training.topic),
            func.min(Training.kind),
            func.count(func.distinct(TrainingSession.code)),
            func.count(func.distinct(Attendance.participant_id)),
        )
        .join(TrainingSession, TrainingSession.training_id == Training.id)
        .outerjoin(Attendance, Attendance.session_id == TrainingSession.id)
        .group_by(Training.code)
        .order_by(Training.code)
    )
    if jurisdiction:
        stmt = stmt.where(Training.jurisdiction == jurisdiction)
    return [
        {
            "code": code,
            "title": title,
            "topic": topic,
            "kind": kind,
            "sessions": sessions,
            "participants": participants,
        }
        for code, title, topic, kind, sessions, participants in session.execute(stmt)
    ]


def campaign_summary(session: Session, *, jurisdiction: str | None = None) -> list[dict[str, Any]]:
    """Return one row per campaign: kind, jurisdiction, dates, channels, views, impressions."""
    stmt = (
        select(
            Campaign,
            func.count(CampaignChannel.id),
            func.coalesce(func.sum(CampaignChannel.views), 0),
            func.coalesce(func.sum(CampaignChannel.impressions), 0),
        )
        .outerjoin(CampaignChannel, CampaignChannel.campaign_id == Campaign.id)
        .group_by(Campaign.id)
        .order_by(Campaign.code)
    )
    if jurisdiction:
        stmt = stmt.where(Campaign.jurisdiction == jurisdiction)
    return [
        {
            "code": c.code,
            "title": c.title,
            "kind": c.kind,
            "jurisdiction": c.jurisdiction,
            "start_date": c.start_date,
            "end_date": c.end_date,
            "channels": n,
            "views": int(views or 0),
            "impressions": int(impressions or 0),
        }
        for c, n, views, impressions in session.execute(stmt)
    ]


def list_operations(session: Session, *, jurisdiction: str | None = None) -> list[JointOperation]:
    """Return joint operations, newest first (one per code: a joint one is recorded per side)."""
    stmt = select(JointOperation).order_by(JointOperation.started_on.desc(), JointOperation.code)
    if jurisdiction:
        stmt = stmt.where(JointOperation.jurisdiction == jurisdiction)
    seen: dict[str, JointOperation] = {}
    for op in session.scalars(stmt):
        seen.setdefault(op.code, op)
    return list(seen.values())


def list_products(session: Session, *, jurisdiction: str | None = None) -> list[KnowledgeProduct]:
    """Return knowledge products by code."""
    stmt = select(KnowledgeProduct).order_by(KnowledgeProduct.code)
    if jurisdiction:
        stmt = stmt.where(KnowledgeProduct.jurisdiction == jurisdiction)
    return list(session.scalars(stmt))
