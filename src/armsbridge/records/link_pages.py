"""HTML pages to link a record to another (search-as-you-type across scripts) and to unlink."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import record_types_for
from armsbridge.auth.principal import Principal
from armsbridge.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from armsbridge.i18n_marker import N_, Label
from armsbridge.records import linking, marks, reading, service
from armsbridge.records.labels import TYPES
from armsbridge.records.pages import common_context, href, load, record_type_of
from armsbridge.vocab.service import enum_values
from armsbridge.vocab.values import translate_expected
from armsbridge.web.access_log import log_now
from armsbridge.web.notice import redirect_with_notice
from armsbridge.web.templating import formatter, render

PICK = N_("pick a record")
router = APIRouter(tags=["pages"], include_in_schema=False)
Linker = Annotated[Principal, Depends(require("record.create"))]
Unlinker = Annotated[Principal, Depends(require("record.update"))]
DETAILS = ("role", "valid_from", "valid_to", "confidence", "source_ref")
# The form's fields, named in the summary of errors at the top of the page.
FIELD_NAMES = {
    "to": N_("Record to link"),
    "kind": N_("Link"),
    "direction": N_("Direction"),
    "role": N_("Role of the person"),
    "valid_from": N_("From"),
    "valid_to": N_("Until"),
    "confidence": N_("Confidence (0 to 1)"),
    "source_ref": N_("Source"),
    "type": N_("Kind of record"),
    "why": N_("Justification"),
}


def _may_link(user: Principal) -> None:
    if "link" not in record_types_for(user.role, "write"):
        raise PermissionDenied(
            N_("your role (%(role)s) may not link records"), values={"role": Label(user.role_label)}
        )


def _back(record_type: str, record: Any, why: str | None) -> str:
    query = f"?{urlencode({'why': why})}" if why else ""
    return f"{href(record_type, record)}{query}#links-h"


def _targets(
    request: Request, db: DB, user: Principal, record_type: str, record: Any, form: dict[str, str]
) -> tuple[list[Any], str | None]:
    """The records the query finds (their consultation logged), or why none were searched."""
    target_type, query, why = form.get("type", ""), form.get("q", ""), form.get("why", "")
    if not query.strip():
        return [], None
    try:
        found = linking.find_targets(db, user=user, target_type=target_type, query=query, why=why)
    except reading.JustificationRequired:
        return [], "why"
    found = [r for r in found if not (target_type == record_type and r.id == record.id)]
    if found and reading.needs_justification(target_type):
        log_now(
            request,
            db,
            user=user,
            action="consult",
            record_type=target_type,
            jurisdiction=user.jurisdiction,
            why=why.strip(),
            details={
                "link_targets_for": f"{record_type}:{record.id}",
                "ids": [r.id for r in found],
            },
        )
    return found, None


def _page(
    request: Request,
    db: DB,
    user: Principal,
    record_type: str,
    record: Any,
    form: dict[str, str],
    *,
    problems: list[dict[str, str]] | None = None,
    message: str | None = None,
    fragment: bool = False,
) -> Response:
    types = linking.target_types(user)
    preferred = [t for t in ("person", "case") if t in types and t != record_type]
    form.setdefault("type", (preferred or types)[0])
    found, missing = _targets(request, db, user, record_type, record, form)
    form.setdefault("direction", linking.natural_direction(record_type, form["type"]))
    gettext = formatter(request).gettext
    errors = {
        p.get("field", ""): translate_expected(p.get("expected", ""), gettext)
        for p in problems or []
    }
    shown = {
        **marks.row_marks(db, record_type, [record]),
        **marks.row_marks(db, form["type"], found),
    }
    context = {
        "record_type": record_type,
        "record": record,
        "form": form,
        "types": types,
        "found": found,
        "missing": missing,
        "kinds": enum_values("link_kinds"),
        "roles": enum_values("data_subject_roles"),
        "errors": errors,
        "message": message,
        "marks": shown,
        "mark": shown.get((record_type, record.id)),
        "record_needs_why": reading.needs_justification(record_type),
        "field_names": FIELD_NAMES,
    }
    context = common_context(context)
    template = "records/link_targets.html" if fragment else "records/link.html"
    status = 422 if problems or message else 200
    return render(request, template, context, status_code=status)


@router.get("/records/{slug}/{record_id}/links/new")
def link_page(request: Request, db: DB, user: Linker, slug: str, record_id: int) -> Response:
    """The form that links this record to another: find the other, say how they are linked."""
    record_type = record_type_of(slug, user)
    _may_link(user)
    record = load(db, user, record_type, record_id, "record.read")
    form = {k: str(v) for k, v in request.query_params.items()}
    try:
        reading.check_justification(record_type, form.get("why"))
    except reading.JustificationRequired:
        context = {"record_type": record_type, "why": form.get("why", "")}
        return render(request, "records/justify.html", common_context(context))
    fragment = request.headers.get("hx-request") == "true" and "q" in form
    return _page(request, db, user, record_type, record, form, fragment=fragment)


@router.post("/records/{slug}/{record_id}/links/new")
async def link_create(
    request: Request, db: DB, user: Linker, slug: str, record_id: int
) -> Response:
    """Make the link; on bad input show the form again with the input kept and what to fix."""
    record_type = record_type_of(slug, user)
    _may_link(user)
    record = load(db, user, record_type, record_id, "record.read")
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    reading.check_justification(record_type, form.get("why"))
    other_type, _, other_id = form.get("to", "").partition(":")
    if other_type not in TYPES or not other_id.isdigit():
        problem = {"field": "to", "value": form.get("to", ""), "expected": PICK}
        return _page(request, db, user, record_type, record, form, problems=[problem])
    details = {k: (form.get(k) or "").strip() or None for k in DETAILS}
    try:
        with db.begin_nested():
            linking.add_link(
                db,
                user=user,
                record_type=record_type,
                record_id=record.id,
                other_type=other_type,
                other_id=int(other_id),
                direction=form.get("direction", "out"),
                kind=form.get("kind", ""),
                **details,
            )
    except ValidationFailed as exc:
        return _page(request, db, user, record_type, record, form, problems=exc.problems)
    except (Conflict, NotFound, PermissionDenied) as exc:
        return _page(
            request, db, user, record_type, record, form, message=formatter(request).error(exc)
        )
    why = form.get("why") if reading.needs_justification(record_type) else None
    return redirect_with_notice(request, _back(record_type, record, why), "linked")


@router.post("/records/links/{link_id}/remove")
def link_remove(
    request: Request,
    db: DB,
    user: Unlinker,
    link_id: int,
    back_type: Annotated[str, Form()],
    back_id: Annotated[int, Form()],
    why: Annotated[str, Form()] = "",
) -> Response:
    """Erase one link (audited with what it held) and go back to the record it was shown on."""
    if back_type not in TYPES:
        raise NotFound(N_("no such kind of record: %(back_type)s"), values={"back_type": back_type})
    back = load(db, user, back_type, back_id, "record.read")
    service.delete_record(
        db,
        record_type="link",
        record_id=link_id,
        user=user,
        why=why.strip() or f"unlinked on the page of {back_type} {back_id}",
    )
    shown_why = why if reading.needs_justification(back_type) else None
    return redirect_with_notice(request, _back(back_type, back, shown_why), "unlinked")
