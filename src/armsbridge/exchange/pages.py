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
# Kinds of messages between nodes (the handlers' registry names), as the status page says them.
MESSAGE_KINDS = {
    "ping": N_("Connection test"),
    "key-rotation": N_("New signing key"),
    "hit-query": N_("Hit/no-hit query"),
    "hit-reveal": N_("Hit details"),
    "request": N_("Information request"),
    "request-answer": N_("Answer to a request"),
    "records": N_("Shared records"),
    "operation-invite": N_("Invitation to a joint operation"),
    "operation-accept": N_("Joint operation accepted"),
    "operation-decline": N_("Joint operation declined"),
    "operation-close": N_("Joint operation closed"),
    "operation-item": N_("Joint operation entry"),
}
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
            "message_kinds": MESSAGE_KINDS,
            "page_size": PAGE_SIZE,
        },
    )
