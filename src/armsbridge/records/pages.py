"""HTML pages of the records: search, a list and a page per record type, forms, attachments."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import bindparam, select

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import (
    record_types_for,
    restricted_statement,
    role_allows,
)
from armsbridge.auth.principal import Principal
from armsbridge.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from armsbridge.firearms.explain import (
    category_view,
    conversion_view,
    current_result,
    reference_view,
)
from armsbridge.firearms.service import explain_conversion
from armsbridge.i18n_marker import N_, Label
from armsbridge.matching.service import MATCH_STATUS_LABELS, suggestions_for
from armsbridge.records import attachments, handling, marks, reading, related, search, service
from armsbridge.records.forms import form_fields, submitted_values
from armsbridge.records.labels import (
    TYPES,
    field_label,
    not_found,
    page_title_of,
    shown_value,
)
from armsbridge.records.models import RECORD_MODELS, Attachment, Place
from armsbridge.records.validation import record_as_dict
from armsbridge.vocab.registry import by_slug
from armsbridge.vocab.service import enum_values
from armsbridge.vocab.values import translate_expected
from armsbridge.web.access_log import log_now
from armsbridge.web.notice import redirect_with_notice
from armsbridge.web.templating import formatter, render

router = APIRouter(tags=["pages"], include_in_schema=False)
# Persons per page of search results: a common family name matches hundreds.
SEARCH_PAGE = 20
# Columns kept for search and matching only; a reader does not need them on the page.
INTERNAL = {"id", "facts", "name_key", "case_id", "event_id", "place_id"}
# Shown on a firearm page in the category and conversion check panels, with their explanation.
PANELLED = {
    "category",
    "category_point",
    "category_reasons",
    "category_missing",
    "rules_version",
    "conversion_suspected",
    "conversion_evidence",
}

Reader = Annotated[Principal, Depends(require("record.read"))]
Creator = Annotated[Principal, Depends(require("record.create"))]
Updater = Annotated[Principal, Depends(require("record.update"))]
Searcher = Annotated[Principal, Depends(require("search"))]


def record_type_of(slug: str, user: Principal, mode: str = "read") -> str:
    """Return the record type of a URL slug the user's role may read (or write)."""
    named = by_slug(slug)
    record_type = named.name if named is not None else None
    if record_type not in TYPES:
        raise NotFound(N_("no such kind of record: %(slug)s"), values={"slug": slug})
    if record_type not in record_types_for(user.role, mode):
        raise PermissionDenied(
            N_("your role (%(role)s) may not see %(value)s"),
            values={"role": Label(user.role_label), "value": Label(TYPES[record_type][2])},
        )
    return record_type


def load(db: DB, user: Principal, record_type: str, record_id: int, action: str) -> Any:
    """Return one record through restrict(); NotFound when it is missing or not the user's."""
    model = RECORD_MODELS[record_type]

    def build() -> Any:
        return select(model).where(model.id == bindparam("record_id"))

    stmt = restricted_statement("load:" + record_type, build, user, action)
    record = db.scalars(stmt, {"record_id": record_id}).first()
    if record is None:
        raise not_found(record_type, record_id)
    return record


def href(record_type: str, record: Any) -> str:
    """Return the page address of a record."""
    return f"/records/{TYPES[record_type][0]}/{record.id}"


def common_context(extra: dict[str, Any]) -> dict[str, Any]:
    """Return a records template's context: `extra` with the helpers every page uses."""
    extra.setdefault("marks", {})
    return {
        "TYPES": TYPES,
        "href": href,
        "title_of": page_title_of,
        "field_label": field_label,
        **extra,
    }


@router.get("/search")
def search_page(
    request: Request,
    db: DB,
    user: Searcher,
    q: str = "",
    why: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The one search box: persons (with a justification), serials, plates, phones."""
    results = (
        search.search(
            db,
            user=user,
            query=q,
            why=why,
            log=False,
            persons_page=((page - 1) * SEARCH_PAGE, SEARCH_PAGE),
        )
        if q.strip()
        else None
    )
    response = render(
        request,
        "records/search.html",
        common_context(
            {
                "query": q,
                "why": why,
                "results": results,
                "page": page,
                "marks": marks.result_marks(db, results),
            }
        ),
    )
    if results is not None and results.logged:
        log_now(request, db, user=user, **search.search_entry(user=user, results=results, why=why))
    return response


def _form(
    request: Request,
    record_type: str,
    *,
    user: Principal,
    values: dict[str, Any],
    problems: list[dict[str, str]] | None = None,
    message: str | None = None,
    record: Any = None,
) -> Response:
    fields = form_fields(
        record_type,
        values=values,
        problems=problems,
        editing=record is not None,
        choices={"jurisdiction": service.writable_jurisdictions(user)},
    )
    known = {f["name"] for f in fields}
    other = [p for p in problems or [] if p.get("field") not in known]
    return render(
        request,
        "records/form.html",
        common_context(
            {
                "record_type": record_type,
                "fields": fields,
                "record": record,
                "message": message,
                "other_problems": other,
                "expected": partial(translate_expected, gettext=formatter(request).gettext),
            }
        ),
        status_code=422 if problems or message else 200,
    )


@router.get("/records/{slug}/new")
def new_page(request: Request, user: Creator, slug: str) -> Response:
    """An empty form for a new record of one type."""
    record_type = record_type_of(slug, user, "write")
    return _form(request, record_type, user=user, values={"jurisdiction": user.jurisdiction})


@router.post("/records/{slug}/new")
async def create_page(request: Request, db: DB, user: Creator, slug: str) -> Response:
    """Create a record from the form; on bad input show the form again with each field's error."""
    record_type = record_type_of(slug, user, "write")
    form = await request.form()
    data = submitted_values(record_type, form)
    try:
        with db.begin_nested():
            record = service.create_record(db, record_type=record_type, data=data, user=user)
    except (ValidationFailed, PermissionDenied, Conflict) as exc:
        if exc.problems:
            return _form(request, record_type, user=user, values=dict(form), problems=exc.problems)
        message = formatter(request).error(exc)
        return _form(request, record_type, user=user, values=dict(form), message=message)
    return redirect_with_notice(request, href(record_type, record), "saved")


def _withhold_personal(links: dict[str, list], why: str | None) -> tuple[dict, dict[str, int]]:
    """Split linked records: those shown, and a count of personal ones kept back without a why."""
    if why:
        return links, {}
    shown = {t: pairs for t, pairs in links.items() if not reading.needs_justification(t)}
    withheld = {t: len(p) for t, p in links.items() if reading.needs_justification(t)}
    return shown, withheld


def _firearm_panels(request: Request, db: Any, record_type: str, record: Any) -> dict[str, Any]:
    """A firearm's category, reasons and questions, its reference facts, its conversion check."""
    if record_type != "firearm":
        return {}
    fmt = formatter(request)
    return {
        "assessment": category_view(current_result(record), fmt.gettext, fmt.number),
        "reference": reference_view(
            fmt.gettext,
            fmt.number,
            make=record.make,
            model=record.model,
            calibre=record.calibre,
            markings=record.markings,
        ),
        "conversion": conversion_view(explain_conversion(db, record), fmt.gettext, fmt.number),
        "facts_saved": request.query_params.get("saved") == "facts",
    }


@router.get("/records/{slug}/{record_id}")
def record_page(
    request: Request, db: DB, user: Reader, slug: str, record_id: int, why: str = ""
) -> Response:
    """One record with its fields, linked records, attachments (and a case's timeline).

    A personal record, and the personal records linked to any record, are shown only with a
    justification, which every consultation entry of the page carries.
    """
    return record_response(request, db, user, slug, record_id, why)


def record_response(
    request: Request,
    db: Any,
    user: Principal,
    slug: str,
    record_id: int,
    why: str = "",
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """Render a record's page, with `extra` context (a form's problems) and a status code."""
    record_type = record_type_of(slug, user)
    record = load(db, user, record_type, record_id, "record.read")  # 404 before asking why
    try:
        reason = reading.check_justification(record_type, why)
    except reading.JustificationRequired:
        context = {"record_type": record_type, "record_id": record_id, "why": why}
        return render(request, "records/justify.html", common_context(context))
    links, withheld = _withhold_personal(
        related.linked(db, user=user, record_type=record_type, record_id=record.id), reason
    )
    ctx = related.context_of(db, user=user, record_type=record_type, record=record)
    timeline = None
    if record_type == "case":
        place_ids = [e.place_id for e in ctx.get("events", []) if e.place_id]
        places = related.visible(db, user=user, record_type="place", ids=place_ids)
        timeline = related.timeline(record, ctx.get("events", []), places)
    values = record_as_dict(record)
    fmt = formatter(request)
    shown = [
        (name, shown_value(fmt, record_type, name, values.get(name)))
        for name in values
        if name not in INTERNAL
        and not (record_type == "firearm" and name in PANELLED)
        and not name.endswith(("_key", "_key_rev"))
        and values.get(name) not in (None, "", [])
    ]
    writable = record_type in record_types_for(user.role, "write")
    matches = suggestions_for(db, user=user, record_type=record_type, record_id=record.id)
    shown_marks = marks.page_marks(db, record_type=record_type, record=record, links=links, ctx=ctx)
    response = render(
        request,
        "records/record.html",
        common_context(
            {
                "record_type": record_type,
                "record": record,
                "shown": shown,
                "links": links,
                "withheld": withheld,
                "why": reason or "",
                "ctx": ctx,
                "timeline": timeline,
                "attachments": attachments.attachments_of(
                    db, record_type=record_type, record_id=record.id
                ),
                # A received record is the provider's: it changes only through the exchange.
                "can_edit": writable and (record_type, record.id) not in shown_marks,
                # A firearm's missing facts are asked as a form only of those who may change it.
                "can_answer": writable
                and role_allows(user.role, "record.update")
                and (record_type, record.id) not in shown_marks,
                # Information requests: share with the peer (never a record received under H2).
                "can_share": role_allows(user.role, "exchange.answer")
                and record_type != "link"
                and (record_type, record.id) not in shown_marks,
                # Problem and subject profiles: a person or a group is a profile's subject.
                "can_profile": record_type in ("person", "organisation")
                and role_allows(user.role, "product.write"),
                "statuses": enum_values("case_statuses") if record_type == "case" else {},
                "link_kinds": enum_values("link_kinds"),
                "subject_roles": enum_values("data_subject_roles"),
                "can_link": "link" in record_types_for(user.role, "write")
                and role_allows(user.role, "record.create"),
                "can_unlink": "link" in record_types_for(user.role, "write")
                and role_allows(user.role, "record.update"),
                "allowed_statuses": (
                    service.allowed_statuses(record.status) if record_type == "case" else []
                ),
                "status_values": {},
                "status_errors": {},
                "Place": Place,
                "matches": matches,
                "match_status": MATCH_STATUS_LABELS,
                "can_decide": role_allows(user.role, "record.update"),
                "marks": shown_marks,
                "mark": shown_marks.get((record_type, record.id)),
                **_firearm_panels(request, db, record_type, record),
                **(extra or {}),
            }
        ),
        status_code=status_code,
    )
    log_now(
        request,
        db,
        user=user,
        action="consult",
        record_type=record_type,
        record_id=record.id,
        jurisdiction=record.jurisdiction,
        why=reason,
    )
    if matches and reading.needs_justification(record_type):
        log_now(
            request,
            db,
            user=user,
            action="consult",
            record_type=record_type,
            jurisdiction=record.jurisdiction,
            why=reason,
            details={
                "matches_of": f"{record_type}:{record.id}",
                "ids": [s.other.id for s in matches],
            },
        )
    for other_type, pairs in links.items():
        if reading.needs_justification(other_type) and pairs:
            log_now(
                request,
                db,
                user=user,
                action="consult",
                record_type=other_type,
                jurisdiction=record.jurisdiction,
                why=reason,
                details={
                    "linked_to": f"{record_type}:{record.id}",
                    "ids": [other.id for _link, other in pairs],
                },
            )
    return response


@router.get("/records/{slug}/{record_id}/edit")
def edit_page(request: Request, db: DB, user: Updater, slug: str, record_id: int) -> Response:
    """The form of an existing record, filled with its values."""
    record_type = record_type_of(slug, user, "write")
    record = service.writable_record(db, user=user, record_type=record_type, record_id=record_id)
    return _form(request, record_type, user=user, values=record_as_dict(record), record=record)


@router.post("/records/{slug}/{record_id}/edit")
async def update_page(
    request: Request, db: DB, user: Updater, slug: str, record_id: int
) -> Response:
    """Save the changed fields of a record; on bad input show the errors next to the fields."""
    record_type = record_type_of(slug, user, "write")
    record = service.writable_record(db, user=user, record_type=record_type, record_id=record_id)
    form = await request.form()
    data = submitted_values(record_type, form, editing=True, current=record_as_dict(record))
    if form.get("jurisdiction"):  # never on the edit form: posted anyway, it is refused
        data["jurisdiction"] = str(form["jurisdiction"]).strip()
    try:
        with db.begin_nested():
            service.update_record(
                db, record_type=record_type, record_id=record.id, data=data, user=user
            )
    except (ValidationFailed, PermissionDenied, Conflict) as exc:
        again = {"values": dict(form), "record": record}
        if exc.problems:
            return _form(request, record_type, user=user, problems=exc.problems, **again)
        return _form(
            request, record_type, user=user, message=formatter(request).error(exc), **again
        )
    return redirect_with_notice(request, href(record_type, record), "saved")


@router.post("/records/{slug}/{record_id}/attachments")
async def attach_page(
    request: Request,
    db: DB,
    user: Updater,
    slug: str,
    record_id: int,
    file: Annotated[UploadFile, File()],
    description: Annotated[str, Form()] = "",
) -> Response:
    """Attach a photo or a document to a record; it is kept by its SHA-256."""
    record_type = record_type_of(slug, user, "write")
    record = service.writable_record(db, user=user, record_type=record_type, record_id=record_id)
    attachments.add_attachment(
        db,
        var_dir=request.app.state.settings.var_dir,
        record_type=record_type,
        record=record,
        filename=file.filename or "file",
        content_type=file.content_type,
        data=await file.read(),
        user=user,
        description=description.strip() or None,
    )
    return redirect_with_notice(request, href(record_type, record), "saved")


@router.get("/attachments/{attachment_id}")
def attachment_file(request: Request, db: DB, user: Reader, attachment_id: int) -> Response:
    """Download an attachment of a record the user may read (the download is logged)."""
    row = db.get(Attachment, attachment_id)
    if row is None or row.record_type not in RECORD_MODELS:
        raise NotFound(
            N_("attachment %(attachment_id)s does not exist"),
            values={"attachment_id": attachment_id},
        )
    record_type_of(TYPES[row.record_type][0], user)
    load(db, user, row.record_type, row.record_id, "record.read")
    handling.check_disseminable(
        db, [(row.record_type, row.record_id)], route="downloading its attachment"
    )
    data = attachments.read_attachment(request.app.state.settings.var_dir, row)
    log_now(
        request,
        db,
        user=user,
        action="consult",
        record_type=row.record_type,
        record_id=row.record_id,
        jurisdiction=row.jurisdiction,
        details={"attachment": row.id, "sha256": row.sha256},
    )
    media_type, headers = attachments.download_headers(row, data)
    return Response(data, media_type=media_type, headers=headers)
