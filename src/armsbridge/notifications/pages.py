"""The notifications page and the bell of the layout (a small fragment loaded after the page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.notifications import service
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Member = Annotated[Principal, Depends(require("account.self"))]


@router.get("/notifications")
def notifications_page(request: Request, db: DB, user: Member) -> Response:
    """Everything waiting for the user, each with a link to where it is dealt with."""
    notices = service.notices_for(db, user=user)
    return render(
        request,
        "notifications/list.html",
        {"notices": notices, "total": service.total(notices)},
    )


@router.get("/notifications/bell")
def bell(request: Request, db: DB, user: Member) -> Response:
    """The bell with the number waiting (what htmx puts in the layout's top bar)."""
    notices = service.notices_for(db, user=user)
    return render(request, "notifications/bell.html", {"total": service.total(notices)})
