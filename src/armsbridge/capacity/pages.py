"""Capacity development page: trainings, campaigns, joint operations and knowledge products."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.capacity import service
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Aggregates = Annotated[Principal, Depends(require("aggregate.read"))]


@router.get("/capacity")
def capacity_page(
    request: Request,
    db: DB,
    user: Aggregates,
    jurisdiction: Annotated[str | None, Query(max_length=2, pattern=r"^[A-Z]{2}$")] = None,
) -> Response:
    """Trainings with sessions and participants, campaigns with reach, operations, products."""
    return render(
        request,
        "capacity/overview.html",
        {
            "trainings": service.training_summary(db, jurisdiction=jurisdiction),
            "campaigns": service.campaign_summary(db, jurisdiction=jurisdiction),
            "operations": service.list_operations(db, jurisdiction=jurisdiction),
            "products": service.list_products(db, jurisdiction=jurisdiction),
            "code": jurisdiction,
        },
    )
