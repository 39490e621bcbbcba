"""REST API of capacity development under /api/capacity: summaries and the four writes.

Summaries (trainings, campaigns) carry no personal data and need `aggregate.read`. Writes need
`record.create` and may only write records of the user's own jurisdiction; each is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.capacity import service
from armsbridge.capacity.schemas import (
    CampaignChannelIn,
    JointOperationIn,
    KnowledgeProductIn,
    ParticipationIn,
    Recorded,
)

router = APIRouter(prefix="/api/capacity", tags=["capacity"])
Aggregates = Annotated[Principal, Depends(require("aggregate.read"))]
Creator = Annotated[Principal, Depends(require("record.create"))]
Jurisdiction = Annotated[str | None, Query(max_length=2, pattern=r"^[A-Z]{2}$")]


@router.get("/trainings")
def trainings(db: DB, user: Aggregates, jurisdiction: Jurisdiction = None) -> list[dict[str, Any]]:
    """Trainings with their sessions and number of distinct participants."""
    return service.training_summary(db, jurisdiction=jurisdiction)


@router.get("/campaigns")
def campaigns(db: DB, user: Aggregates, jurisdiction: Jurisdiction = None) -> list[dict[str, Any]]:
    """Awareness campaigns with channels, views and impressions."""
    return service.campaign_summary(db, jurisdiction=jurisdiction)


def _write(
    db: Session, user: Principal, body: BaseModel, writer: Callable[..., Any], record_type: str
) -> Recorded:
    """Record through the capacity service, which writes (and audits) through the writer."""
    record = writer(db, user=user, **body.model_dump())
    return Recorded(record_type=record_type, id=record.id)


@router.post("/participations", status_code=201)
def record_participation(db: DB, user: Creator, body: ParticipationIn) -> Recorded:
    """Record that a participant attended a session of a training."""
    return _write(db, user, body, service.record_participation, "attendance")


@router.post("/campaign-channels", status_code=201)
def record_campaign_channel(db: DB, user: Creator, body: CampaignChannelIn) -> Recorded:
    """Record a campaign's metrics on one channel."""
    return _write(db, user, body, service.record_campaign_channel, "campaign_channel")


@router.post("/operations", status_code=201)
def record_operation(db: DB, user: Creator, body: JointOperationIn) -> Recorded:
    """Record a joint operation."""
    return _write(db, user, body, service.record_joint_operation, "joint_operation")


@router.post("/products", status_code=201)
def record_product(db: DB, user: Creator, body: KnowledgeProductIn) -> Recorded:
    """Record a knowledge product."""
    return _write(db, user, body, service.record_knowledge_product, "knowledge_product")
