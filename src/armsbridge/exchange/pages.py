"""The exchange page: the messages sent to peers and their delivery state (never their content)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.exchange.delivery import recent_messages, status_counts
from armsbridge.exchange.models import STATES
from armsbridge.exchange.requests import request_counts
from armsbridge.exchange.service import all_peers, node_row
from armsbridge.i18n_marker import N_
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Viewer = Annotated[Principal, Depends(require("exchange.status"))]
PAGE_SIZE = 200
STATE_LABELS = {
    "queued": N_("queued"),
    "sent": N_("sent"),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "refused": N_("refused"),
    "answered": N_("answered"),
    "partly": N_("partly answered"),
    "open": N_("open"),
}


@router.get("/exchange")
def exchange_page(request: Request, db: DB, user: Viewer, state: str = "") -> Response:
    """Counts by state, the peers, and the newest messages (filter by state)."""
    chosen = state if state in STATES else ""
    return render(
        request,
        "exchange/status.html",
        {
            "node": node_row(db),
            "peers": all_peers(db),
            "counts": status_counts(db),
            "request_counts": request_counts(db),
            "messages": recent_messages(db, limit=PAGE_SIZE, state=chosen or None),
            "state": chosen,
            "states": STATES,
            "state_labels": STATE_LABELS,
            "page_size": PAGE_SIZE,
        },
    )
