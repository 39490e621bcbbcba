"""The page "Border check": one box for a phone at a crossing point, answered here and by peers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.border import service
from armsbridge.db.keys import node_settings
from armsbridge.errors import ValidationFailed
from armsbridge.exchange import hits
from armsbridge.exchange.hit_pages import HEADLINES, MATCH_LABELS, RECORD_LABELS
from armsbridge.i18n_marker import N_
from armsbridge.records.labels import TYPES, page_title_of
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Checker = Annotated[Principal, Depends(require("search"))]
NO_STORE = {"Cache-Control": "no-store"}
DEFAULT_WHY = N_("Border check")
SKIPPED = {
    "name_needs_year": N_("Add the birth year or date after the name to ask the other service."),
    "no_peer": N_("No other service is set up to ask."),
}
FIELD_ERRORS = {
    "q": N_("Type a plate, serial, document number or name."),
    "why": N_("Say why you check (at least a few words); it is logged with the check."),
}


def _page(
    request: Request,
    *,
    user: Principal,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    result: service.CheckResult | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "form": form,
        "errors": errors or {},
        "result": result,
        "kinds": service.KINDS,
        "asks_peers": role_allows(user.role, hits.ACTION),
        "can_request": role_allows(user.role, "exchange.request"),
        "headlines": HEADLINES,
        "skipped": SKIPPED,
        "record_labels": RECORD_LABELS,
        "match_labels": MATCH_LABELS,
        "TYPES": TYPES,
        "title_of": page_title_of,
    }
    return render(request, "border/check.html", context, status_code=status_code, headers=NO_STORE)


@router.get("/check")
def check_form(request: Request, user: Checker) -> Response:
    """The empty check form, the justification filled with "Border check"."""
    form = {"q": "", "why": "", "kind": "auto"}
    return _page(request, user=user, form=form)


@router.post("/check")
def check_value(
    request: Request,
    db: DB,
    user: Checker,
    q: Annotated[str, Form(max_length=200)] = "",
    why: Annotated[str, Form(max_length=2000)] = "",
    kind: Annotated[str, Form(max_length=20)] = "auto",
) -> Response:
    """Check one value here and with the other service; show what the officer may see."""
    kind = kind if kind in service.KINDS else "auto"
    form = {"q": q, "why": why, "kind": kind}
    errors: dict[str, str] = {}
    if not q.strip():
        errors["q"] = FIELD_ERRORS["q"]
    try:
        hits.check_why(why)
    except ValidationFailed:
        errors["why"] = FIELD_ERRORS["why"]
    if errors:
        return _page(request, user=user, form=form, errors=errors, status_code=422)
    settings = node_settings() if role_allows(user.role, hits.ACTION) else None
    result = service.check(db, user=user, query=q, why=why, kind=kind, settings=settings)
    return _page(request, user=user, form=form, result=result)
