"""Capacity development page: trainings, campaigns, joint operations and knowledge products."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.capacity import service
from armsbridge.indicators.labels import enum_label, language_name
from armsbridge.web.templating import formatter, render

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
    fmt = formatter(request)

    def label(enum: str, code: str | None) -> str:
        return (enum_label((enum,), code, fmt) or code) if code else ""

    return render(
        request,
        "capacity/overview.html",
        {
            "trainings": service.training_summary(db, jurisdiction=jurisdiction),
            "campaigns": service.campaign_summary(db, jurisdiction=jurisdiction),
            "operations": service.list_operations(db, jurisdiction=jurisdiction),
            "products": service.list_products(db, jurisdiction=jurisdiction),
            "code": jurisdiction,
            "label": label,
            "languages": lambda codes: ", ".join(language_name(c, fmt) for c in codes or []),
        },
    )
