"""The page "Ask the other service": hit/no-hit for one value or a pasted batch, with a reason."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.db.keys import node_settings
from armsbridge.errors import NotFound, UserError, ValidationFailed
from armsbridge.exchange import hit_input, hits
from armsbridge.exchange.online import PeerRefused, PeerUnavailable
from armsbridge.exchange.psi import BudgetExceeded
from armsbridge.exchange.service import active_peers
from armsbridge.i18n_marker import N_
from armsbridge.web.templating import formatter, render

router = APIRouter(tags=["pages"], include_in_schema=False)
Asker = Annotated[Principal, Depends(require(hits.ACTION))]
NO_STORE = {"Cache-Control": "no-store"}
KIND_LABELS = {
    "auto": N_("guess from each value"),
    "serial": N_("serial number"),
    "plate": N_("plate"),
    "vin": N_("VIN"),
    "phone": N_("phone"),
    "document": N_("document number"),
    "person": N_("person (names and birth date or year)"),
    "handle": N_("online handle"),
}
RECORD_LABELS = {
    "firearm": N_("firearm"),
    "vehicle": N_("vehicle"),
    "phone": N_("phone"),
    "person": N_("person"),
    "online_account": N_("online account"),
}
MATCH_LABELS = {
    "value": N_("the value"),
    "date": N_("name and birth date"),
    "year": N_("name and birth year"),
    "make": N_("serial with the make"),
    "document_kind": N_("number with the document kind"),
    "completion": N_("completion"),
}
FIELD_ERRORS = {
    "why": N_("Say why you ask (the case or task): it is logged with the query."),
    "peer": N_("Choose the service to ask."),
    "type": N_("Choose a type."),
}
HEADLINES = {
    "unavailable": N_("The other service did not answer; try again later."),
    "budget": N_("Today's hit/no-hit budget is used up."),
    "refused": N_("The other service refused the query."),
    "input": N_("Check the values: one per line, of the type chosen."),
    "peer": N_("There is no such service to ask."),
}


def _details_url(peer: str, ref: str, record_type: str) -> str:
    return "/exchange/requests/new?" + urlencode({"peer": peer, "ref": ref, "type": record_type})


def _page(
    request: Request,
    db: DB,
    *,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    problem: tuple[str, str] | None = None,
    answer: hits.HitAnswer | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "exchange/hit.html",
        {
            "peers": active_peers(db),
            "kinds": list(KIND_LABELS),
            "kind_labels": KIND_LABELS,
            "record_labels": RECORD_LABELS,
            "match_labels": MATCH_LABELS,
            "headlines": HEADLINES,
            "form": form,
            "errors": errors or {},
            "problem": problem,
            "answer": answer,
            "details_url": _details_url,
            "max_items": node_settings().hit_max_items_per_query,
        },
        status_code=status_code,
        headers=NO_STORE,
    )


# What kind of refusal the page explains, and its status: the first class that fits.
_REFUSALS = (
    (PeerUnavailable, "unavailable", 503),
    (BudgetExceeded, "budget", 429),
    (PeerRefused, "refused", 502),
    (NotFound, "peer", 404),
)


def _refusal_kind(exc: UserError) -> tuple[str, int]:
    for cls, kind, status in _REFUSALS:
        if isinstance(exc, cls):
            return kind, status
    return "input", exc.status_code


@router.get("/exchange/hit")
def hit_page(request: Request, db: DB, user: Asker, peer: str = "") -> Response:
    """The form: service to ask, type, values (one per line), justification."""
    form = {"peer": peer, "type": "auto", "items": "", "why": "", "make": ""}
    return _page(request, db, form=form)


@router.post("/exchange/hit")
def hit_ask(
    request: Request,
    db: DB,
    user: Asker,
    peer: Annotated[str, Form(max_length=60)] = "",
    kind: Annotated[str, Form(alias="type", max_length=20)] = "auto",
    items: Annotated[str, Form(max_length=200_000)] = "",
    why: Annotated[str, Form(max_length=2000)] = "",
    make: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    """Ask the chosen service; show each value's hit or no hit, with links to request details."""
    form = {"peer": peer, "type": kind, "items": items, "why": why, "make": make}
    errors: dict[str, str] = {}
    if not peer:
        errors["peer"] = FIELD_ERRORS["peer"]
    try:
        hits.check_why(why)
    except ValidationFailed:
        errors["why"] = FIELD_ERRORS["why"]
    if errors:
        return _page(request, db, form=form, errors=errors, status_code=422)
    settings = node_settings()  # the node this process serves: its keys and its limits
    try:
        entries = hit_input.parse_entries(items, kind, make)
        answer = hits.ask_peer(
            db, settings=settings, user=user, peer_name=peer, entries=entries, why=why
        )
    except UserError as exc:
        kind, status = _refusal_kind(exc)
        problem = (kind, formatter(request).error(exc))
        return _page(request, db, form=form, problem=problem, status_code=status)
    return _page(request, db, form=form, answer=answer)
