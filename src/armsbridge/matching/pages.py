"""Match decisions from a record's page: confirm, reject or mark unsure one suggestion."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.matching.service import decide
from armsbridge.vocab.registry import record_types

router = APIRouter(tags=["pages"], include_in_schema=False)
Decider = Annotated[Principal, Depends(require("record.update"))]


@router.post("/matches/{match_id}/decide")
def decide_page(
    db: DB,
    user: Decider,
    match_id: int,
    decision: Annotated[str, Form()],
    back_type: Annotated[str, Form()],
    back_id: Annotated[int, Form()],
    why: Annotated[str, Form()] = "",
) -> Response:
    """Apply a decision on a suggested match and return to the record page it was made on."""
    if decision not in ("confirm", "reject", "unsure", "undo"):
        raise ValidationFailed(
            f"unknown decision {decision!r}",
            [{"field": "decision", "value": decision, "expected": "confirm, reject, unsure, undo"}],
        )
    match = decide(db, match_id=match_id, decision=decision, user=user)
    if back_type != match.entity_type or back_id not in (match.left_id, match.right_id):
        back_type, back_id = match.entity_type, match.left_id
    target = f"/records/{record_types()[back_type].slug}/{back_id}"
    return RedirectResponse(target + (f"?{urlencode({'why': why})}" if why else ""), 303)
