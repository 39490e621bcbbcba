"""Match decisions from a record's page or the review queue: confirm, reject, unsure, undo."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.matching.service import decide
from armsbridge.vocab.registry import record_types

router = APIRouter(tags=["pages"], include_in_schema=False)
Decider = Annotated[Principal, Depends(require("record.update"))]


def review_target(next_url: str, match_id: int) -> str | None:
    """Return the review page to go back to (with the decided match named), or None.

    Only this node's /matches pages are accepted, so a form cannot send the user elsewhere.
    """
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/matches"):
        return None
    query = "&".join(q for q in parts.query.split("&") if q and not q.startswith("done="))
    return f"{parts.path}?{query + '&' if query else ''}done={match_id}"


@router.post("/matches/{match_id}/decide")
def decide_page(
    db: DB,
    user: Decider,
    match_id: int,
    decision: Annotated[str, Form()],
    back_type: Annotated[str, Form()] = "",
    back_id: Annotated[int, Form()] = 0,
    why: Annotated[str, Form()] = "",
    next_url: Annotated[str, Form(alias="next")] = "",
) -> Response:
    """Apply a decision on a suggested match and return to the page it was made on."""
    if decision not in ("confirm", "reject", "unsure", "undo"):
        raise ValidationFailed(
            N_("unknown decision %(decision)r"),
            [{"field": "decision", "value": decision, "expected": "confirm, reject, unsure, undo"}],
            values={"decision": decision},
        )
    match = decide(db, match_id=match_id, decision=decision, user=user, note=why or None)
    queue = review_target(next_url, match.id) if next_url else None
    if queue:
        return RedirectResponse(queue, 303)
    if back_type != match.entity_type or back_id not in (match.left_id, match.right_id):
        back_type, back_id = match.entity_type, match.left_id
    target = f"/records/{record_types()[back_type].slug}/{back_id}"
    return RedirectResponse(target + (f"?{urlencode({'why': why})}" if why else ""), 303)
