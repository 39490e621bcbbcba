"""HTML route of a case's status change: only the allowed next steps, a refusal keeps the input."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.errors import Conflict, ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.records import service
from armsbridge.records.labels import page_title_of
from armsbridge.records.pages import href, load
from armsbridge.vocab.service import enum_label, enum_values
from armsbridge.vocab.values import translate_expected
from armsbridge.web.notice import redirect_with_notice
from armsbridge.web.templating import formatter, render

router = APIRouter(tags=["pages"], include_in_schema=False)
Updater = Annotated[Principal, Depends(require("record.update"))]

MOVED = N_(
    "While you filled in this form, the case moved from %(then)s to %(now)s. Nothing was "
    "recorded. Your input is kept below: choose one of the steps allowed now and record the "
    "change again, or cancel."
)
NO_LONGER = N_("%(status)s can no longer follow %(now)s.")
REFUSED = N_(
    "Nothing was recorded. Your input is kept below: correct it and record the change again."
)
OFFERED = N_("one of the steps offered")
# The service's field name for the step's date, and the form's.
FORM_FIELDS = {"date": "changed_on", "changed_on": "changed_on", "status": "status"}


def _label(code: str | None) -> str:
    return enum_label("case_statuses", code)


def _refusal(
    request: Request,
    exc: ValidationFailed | Conflict,
    *,
    case: Any,
    values: dict[str, str],
    from_status: str,
) -> dict[str, Any]:
    """What to tell of a refused step: what happened, what to do, and the fields at fault."""
    fmt = formatter(request)
    errors = {
        FORM_FIELDS.get(p.get("field", ""), "changed_on"): p["expected"] for p in exc.problems
    }
    messages = []
    if from_status and from_status != case.status:  # another writer moved the case meanwhile
        now = fmt.gettext(_label(case.status))
        messages.append(fmt.gettext(MOVED, then=fmt.gettext(_label(from_status)), now=now))
        if values["status"] not in service.allowed_statuses(case.status):
            messages.append(
                fmt.gettext(NO_LONGER, status=fmt.gettext(_label(values["status"])), now=now)
            )
            values["status"] = ""
            return {"messages": messages, "errors": errors}
    else:
        messages.append(fmt.gettext(REFUSED))
    if not errors:  # no field to point at: the service's own words say what it refused
        messages.insert(0, formatter(request).error(exc))
    return {"messages": messages, "errors": errors}


def _again(
    request: Request,
    case: Any,
    *,
    values: dict[str, str],
    status_code: int,
    messages: list[str],
    errors: dict[str, str] | None = None,
) -> Response:
    """The status form again, with the user's input, what happened and what to do."""
    context = {
        "statuses": enum_values("case_statuses"),
        "allowed_statuses": service.allowed_statuses(case.status),
        "record": case,
        "record_type": "case",
        "href": href,
        "title_of": page_title_of,
        "messages": messages,
        "status_values": values,
        "status_errors": errors or {},
        "expected": partial(translate_expected, gettext=formatter(request).gettext),
    }
    return render(request, "records/status.html", context, status_code=status_code)


@router.post("/records/cases/{record_id}/status")
def case_status_page(
    request: Request,
    db: DB,
    user: Updater,
    record_id: int,
    status: Annotated[str, Form()] = "",
    changed_on: Annotated[str, Form()] = "",
    court_reference: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    from_status: Annotated[str, Form()] = "",
) -> Response:
    """Move a case to its next status on a date (the history keeps every step).

    A refused step (another writer moved the case meanwhile, a date before the last step) shows
    the form again with the input kept and what to do, never a dead end.
    """
    case = load(db, user, "case", record_id, "record.update")
    values = {
        "status": status,
        "changed_on": changed_on,
        "court_reference": court_reference,
        "note": note,
    }
    try:
        if status not in enum_values("case_statuses"):
            raise ValidationFailed(
                N_("status: %(status)r is not a case status"),
                [{"field": "status", "value": status, "expected": OFFERED}],
                values={"status": status},
            )
        with db.begin_nested():
            service.add_status_change(
                db,
                case_id=case.id,
                status=status,
                changed_on=changed_on,
                user=user,
                court_reference=court_reference.strip() or None,
                note=note.strip() or None,
            )
    except (ValidationFailed, Conflict) as exc:
        db.refresh(case)
        return _again(
            request,
            case,
            values=values,
            status_code=exc.status_code,
            **_refusal(request, exc, case=case, values=values, from_status=from_status),
        )
    return redirect_with_notice(request, href("case", case), "status")
