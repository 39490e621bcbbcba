"""Pages of information requests: ask, the asker's list, the owner's queue, answer, share."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import UserError
from armsbridge.exchange import request_answers as answers
from armsbridge.exchange import request_received as arrived
from armsbridge.exchange import requests
from armsbridge.exchange.request_models import URGENCIES
from armsbridge.exchange.service import active_peers
from armsbridge.exchange.sharing import (
    HANDLING_CODES,
    INFORMATION_GRADES,
    SOURCE_GRADES,
    Conditions,
    Item,
    shareable_fields,
)
from armsbridge.i18n_marker import N_
from armsbridge.records.labels import field_label
from armsbridge.vocab.registry import record_types
from armsbridge.web.templating import formatter, render

router = APIRouter(tags=["pages"], include_in_schema=False)
Asker = Annotated[Principal, Depends(require(requests.ASK))]
Answerer = Annotated[Principal, Depends(require(requests.ANSWER))]
STATE_LABELS = {
    "queued": N_("queued"),
    "sent": N_("sent"),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "refused": N_("refused"),
    "open": N_("open"),
    "answered": N_("answered"),
    "partly": N_("partly answered"),
    "received": N_("received"),
}
URGENCY_LABELS = {
    "urgent-direct": N_("Urgent, information directly accessible (8 hours)"),
    "urgent": N_("Urgent (3 days)"),
    "normal": N_("Not urgent (7 days)"),
}


def _common() -> dict:
    return {
        "state_labels": STATE_LABELS,
        "urgency_labels": URGENCY_LABELS,
        "codes": HANDLING_CODES,
        "source_grades": SOURCE_GRADES,
        "information_grades": INFORMATION_GRADES,
        "slugs": {name: spec.slug for name, spec in record_types().items()},
        "field_label": field_label,
    }


@router.get("/exchange/requests")
def asked_page(request: Request, db: DB, user: Asker, state: str = "") -> Response:
    """The requests this node asked, with their state and the clock of each."""
    views = requests.list_requests(db, user=user, side="asker", kind="request", state=state or None)
    return render(
        request,
        "exchange/requests.html",
        {
            **_common(),
            "views": views,
            "state": state,
            "answerer": role_allows(user.role, requests.ANSWER),
        },
    )


def _new_form(
    request: Request, db: DB, values: dict, error: str | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "exchange/request_new.html",
        {
            **_common(),
            "peers": active_peers(db),
            "urgencies": URGENCIES,
            "values": values,
            "types": [t for t in record_types() if t != "link"],
            "error": error,
        },
        status_code=status,
    )


@router.get("/exchange/requests/new")
def new_request_page(
    request: Request, db: DB, user: Asker, peer: str = "", ref: str = "", type: str = ""
) -> Response:
    """The form of a new request (a hit's result links here with peer, ref and type)."""
    return _new_form(request, db, {"peer": peer, "ref": ref, "type": type, "urgency": "normal"})


@router.post("/exchange/requests")
async def create_request(request: Request, db: DB, user: Asker) -> Response:
    """Queue the request; then its page, with its state and clock."""
    form = await request.form()
    values = {
        k: str(form.get(k) or "")
        for k in ("peer", "ref", "type", "description", "justification", "urgency", "case_id")
    }
    subjects = [{"type": values["type"], "ref": values["ref"]}] if values["ref"].strip() else []
    try:
        case_id = int(values["case_id"]) if values["case_id"].strip() else None
        row = requests.create_request(
            db,
            user=user,
            peer_name=values["peer"],
            subjects=subjects,
            description=values["description"],
            justification=values["justification"],
            urgency=values["urgency"],
            case_id=case_id,
        )
    except ValueError:
        return _new_form(request, db, values, N_("The case number must be a number."), 422)
    except UserError as exc:
        return _new_form(request, db, values, formatter(request).error(exc), exc.status_code)
    return RedirectResponse(f"/exchange/requests/{row.ref}", status_code=303)


@router.get("/exchange/requests/{ref}")
def asked_request_page(request: Request, db: DB, user: Asker, ref: str) -> Response:
    """One request asked: its state, reason, clock, and the records received for it."""
    view = requests.get_request(db, user=user, ref=ref, side="asker")
    received = arrived.received_records(db, user=user, ref=ref)
    return render(
        request, "exchange/request.html", {**_common(), "view": view, "received": received}
    )


@router.get("/exchange/received")
def received_page(request: Request, db: DB, user: Answerer) -> Response:
    """Records peers shared without a prior request (alerts, case summaries)."""
    views = requests.list_requests(db, user=user, side="asker", kind="spontaneous")
    return render(request, "exchange/received.html", {**_common(), "views": views})


@router.get("/exchange/queue")
def queue_page(request: Request, db: DB, user: Answerer, state: str = "") -> Response:
    """The peers' requests to this node: soonest due first, overdue in red, filter by state."""
    views = requests.list_requests(db, user=user, side="owner", kind="request", state=state or None)
    return render(request, "exchange/queue.html", {**_common(), "views": views, "state": state})


@router.get("/exchange/queue/{ref}")
def answer_page(request: Request, db: DB, user: Answerer, ref: str) -> Response:
    """One request of a peer: what it names (read through the logged path), approve or refuse."""
    view = requests.get_request(db, user=user, ref=ref, side="owner")
    offered = answers.candidates(db, user=user, ref=ref) if view.row.state == "open" else []
    return render(
        request, "exchange/answer.html", {**_common(), "view": view, "candidates": offered}
    )


def _conditions(form) -> Conditions:  # noqa: ANN001
    return Conditions(
        str(form.get("handling_code") or "H0"),
        str(form.get("restriction") or "") or None,
        str(form.get("source_grade") or "X"),
        str(form.get("information_grade") or "4"),
    )


def _items(form) -> list[Item]:  # noqa: ANN001
    items = []
    for value in form.getlist("record"):
        record_type, _, raw_id = str(value).partition(":")
        if record_type not in record_types() or not raw_id.isdigit():
            raise UserError(N_("record %(value)r: expected TYPE:ID"), values={"value": value})
        fields = tuple(str(f) for f in form.getlist(f"fields:{value}"))
        offered = {f for f in str(form.get(f"offered:{value}") or "").split(",") if f}
        if not fields and f"offered:{value}" not in form:
            items.append(Item(record_type, int(raw_id)))  # a record typed in: all its fields
            continue
        if not fields:
            raise UserError(
                N_("%(value)s: tick at least one field, or untick the record"),
                values={"value": value},
            )
        whole = set(fields) >= (offered or set(shareable_fields(record_type)))
        items.append(Item(record_type, int(raw_id), None if whole else fields))
    return items


@router.post("/exchange/queue/{ref}/approve")
async def approve(request: Request, db: DB, user: Answerer, ref: str) -> Response:
    """Send the records and fields ticked, under the code and grades chosen."""
    form = await request.form()
    answers.approve(
        db,
        user=user,
        ref=ref,
        items=_items(form),
        conditions=_conditions(form),
        note=str(form.get("note") or "") or None,
    )
    return RedirectResponse(f"/exchange/queue/{ref}", status_code=303)


@router.post("/exchange/queue/{ref}/refuse")
async def refuse(request: Request, db: DB, user: Answerer, ref: str) -> Response:
    """Refuse the request with its reasons."""
    form = await request.form()
    answers.refuse(db, user=user, ref=ref, reason=str(form.get("reason") or ""))
    return RedirectResponse(f"/exchange/queue/{ref}", status_code=303)


@router.get("/exchange/share/new")
def share_page(request: Request, db: DB, user: Answerer, type: str = "", id: str = "") -> Response:
    """Share one record with a peer without a prior request: fields, code, grades, purpose."""
    fields = shareable_fields(type) if type in record_types() and type != "link" else []
    return render(
        request,
        "exchange/share.html",
        {
            **_common(),
            "peers": active_peers(db),
            "type": type,
            "id": id,
            "fields": fields,
            "types": [t for t in record_types() if t != "link"],
        },
    )


@router.post("/exchange/share")
async def share(request: Request, db: DB, user: Answerer) -> Response:
    """Share the record (the fields ticked) with the peer; then the Exchange page."""
    form = await request.form()
    record_type, raw_id = str(form.get("type") or ""), str(form.get("id") or "")
    if record_type not in record_types() or not raw_id.isdigit():
        raise UserError("give the record type and number of the record to share")
    key = f"{record_type}:{raw_id}"
    fields = tuple(str(f) for f in form.getlist(f"fields:{key}"))
    whole = not fields or set(fields) >= set(shareable_fields(record_type))
    answers.share_spontaneously(
        db,
        user=user,
        peer_name=str(form.get("peer") or ""),
        items=[Item(record_type, int(raw_id), None if whole else fields)],
        conditions=_conditions(form),
        purpose=str(form.get("purpose") or ""),
    )
    return RedirectResponse("/exchange?shared=1", status_code=303)
