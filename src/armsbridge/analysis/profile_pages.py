"""Pages of problem, subject and risk profiles: the list with the forms, one profile, its PDF.

Thin: the forms post to routes that call analysis.products, which checks the role, reads only
what restrict() lets through and logs every person named. A refused form is shown again with
what was typed and the fields at fault.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from armsbridge.analysis import products, words
from armsbridge.analysis.evidence import href
from armsbridge.analysis.problem import Problem
from armsbridge.analysis.profile_pdf import product_pdf
from armsbridge.analysis.risk_profile import RiskQuestion
from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import UserError, ValidationFailed
from armsbridge.exchange.patrols import crossing_points, place_label
from armsbridge.i18n_marker import N_
from armsbridge.vocab.service import enum_values
from armsbridge.web.notice import redirect_with_notice
from armsbridge.web.templating import formatter, render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reader = Annotated[Principal, Depends(require("product.read"))]
Writer = Annotated[Principal, Depends(require("product.write"))]
NO_STORE = {"Cache-Control": "no-store"}
PROBLEM_FIELDS = ("title", "start", "end", "crossing", "municipality", "firearm_kind", "why")
SUBJECT_FIELDS = ("title", "subject", "why")
RISK_FIELDS = ("title", "start", "end", "score_start", "score_end", "why")
PROBLEM_KINDS = ("seizure", "found", "voluntary_surrender")


def _list(
    request: Request,
    db: DB,
    user: Principal,
    *,
    form: dict[str, Any] | None = None,
    error: UserError | None = None,
    which: str = "",
) -> Response:
    prefill = {
        name: request.query_params.get(name, "")
        for name in (*PROBLEM_FIELDS, *SUBJECT_FIELDS, *RISK_FIELDS)
    }
    prefill["event_kinds"] = request.query_params.getlist("event_kinds") or ["seizure"]
    return render(
        request,
        "analysis/profiles.html",
        {
            "rows": products.list_products(db, user=user),
            "words": words,
            "may_write": role_allows(user.role, "product.write"),
            "may_import": role_allows(user.role, "import.run"),
            "crossings": crossing_points(),
            "place_label": place_label,
            "kinds": PROBLEM_KINDS,
            "firearm_kinds": list(enum_values("firearm_kinds")),
            "form": form if form is not None else prefill,
            "error": error,
            "which": which,
        },
        status_code=error.status_code if error else 200,
        headers=NO_STORE,
    )


@router.get("/profiles")
def profiles_page(request: Request, db: DB, user: Reader) -> Response:
    """The profiles this user may open, and the forms that generate new ones.

    The forms take their first values from the address (start, end, crossing, subject=person:ID),
    so a record page or a map links to a profile of what it shows.
    """
    return _list(request, db, user)


def _subject(value: str) -> tuple[str, int]:
    record_type, _, raw = value.strip().partition(":")
    if record_type not in ("person", "organisation") or not raw.isdigit():
        raise ValidationFailed(
            N_("subject: %(value)r is not a person or organisation"),
            [
                {
                    "field": "subject",
                    "value": value[:40],
                    "expected": N_("person:ID or organisation:ID (the record's number)"),
                }
            ],
            values={"value": value[:40]},
        )
    return record_type, int(raw)


@router.post("/profiles/problem")
async def create_problem_page(request: Request, db: DB, user: Writer) -> Response:
    """Generate a problem profile from the form's filters and open it."""
    form = await request.form()
    data: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in PROBLEM_FIELDS}
    data["event_kinds"] = [str(k) for k in form.getlist("event_kinds")] or ["seizure"]
    data["converted_only"] = bool(form.get("converted_only"))
    try:
        with db.begin_nested():
            problem = Problem(
                start=data["start"],
                end=data["end"],
                event_kinds=tuple(data["event_kinds"]),
                crossing=data["crossing"] or None,
                municipality=data["municipality"] or None,
                firearm_kind=data["firearm_kind"] or None,
                converted_only=data["converted_only"],
            )
            row = products.create_problem(
                db, user=user, problem=problem, title=data["title"], why=data["why"]
            )
    except UserError as exc:
        return _list(request, db, user, form=data, error=exc, which="problem")
    return RedirectResponse(f"/profiles/{row.id}", status_code=303)


@router.post("/profiles/subject")
async def create_subject_page(request: Request, db: DB, user: Writer) -> Response:
    """Generate a subject profile of the person or organisation named and open it."""
    form = await request.form()
    data = {name: str(form.get(name, "")).strip() for name in SUBJECT_FIELDS}
    try:
        with db.begin_nested():
            record_type, record_id = _subject(data["subject"])
            row = products.create_subject(
                db,
                user=user,
                record_type=record_type,
                record_id=record_id,
                title=data["title"],
                why=data["why"],
            )
    except UserError as exc:
        return _list(request, db, user, form=data, error=exc, which="subject")
    return RedirectResponse(f"/profiles/{row.id}", status_code=303)


@router.post("/profiles/risk")
async def create_risk_page(request: Request, db: DB, user: Writer) -> Response:
    """Generate a border risk profile from this service's passages and open it."""
    form = await request.form()
    data = {name: str(form.get(name, "")).strip() for name in RISK_FIELDS}
    try:
        with db.begin_nested():
            question = RiskQuestion(
                start=data["start"],
                end=data["end"],
                score_start=data["score_start"] or None,
                score_end=data["score_end"] or None,
            )
            row = products.create_risk(
                db, user=user, question=question, title=data["title"], why=data["why"]
            )
    except UserError as exc:
        return _list(request, db, user, form=data, error=exc, which="risk")
    return RedirectResponse(f"/profiles/{row.id}", status_code=303)


def patrol_href(row: Any, cell: dict[str, Any], basis: str) -> str:
    """Return the address of the patrol form, filled for a suggested crossing and window
    (from tomorrow at the window's start)."""
    starts = datetime.combine(date.today() + timedelta(days=1), time(cell["start"]))
    ends = starts + timedelta(hours=cell["hours"])
    query = {
        "place": cell["crossing"],
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": ends.strftime("%Y-%m-%dT%H:%M"),
        "basis": f"{basis} (/profiles/{row.id})",
    }
    return "/patrols?" + urlencode(query)


def _page(
    request: Request,
    db: DB,
    user: Principal,
    row: Any,
    *,
    error: UserError | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    return render(
        request,
        f"analysis/profile_{row.kind}.html",
        {
            "row": row,
            "c": row.content,
            "href": href,
            "words": words,
            "place_label": place_label,
            "value_words": lambda key, value: words.value_words(formatter(request), key, value),
            "indicator_words": lambda name: words.indicator_words(
                formatter(request), name, place_label
            ),
            "per_10k": lambda rate: words.per_10k(formatter(request), rate),
            "window_words": words.window_words,
            "patrol_href": patrol_href,
            "may_plan": role_allows(user.role, "operation.manage"),
            "marking": words.marking_words(formatter(request), row),
            "may_write": role_allows(user.role, "product.write") and row.status == "draft",
            "sections": products.SECTIONS,
            "source_grades": products.SOURCE_GRADES,
            "information_grades": products.INFORMATION_GRADES,
            "codes": products.CODES,
            "form": form or {},
            "error": error,
        },
        status_code=error.status_code if error else 200,
        headers=NO_STORE,
    )


@router.get("/profiles/{product_id}")
def profile_page(
    request: Request,
    db: DB,
    user: Reader,
    product_id: int,
    why: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """One profile: its marking and grades, the figures with their records, the analyst's text."""
    row = products.open_product(db, user=user, product_id=product_id, why=why or None)
    return _page(request, db, user, row)


@router.post("/profiles/{product_id}")
async def save_profile_page(request: Request, db: DB, user: Writer, product_id: int) -> Response:
    """Save the analyst's sections, grades and marking; finalise when asked."""
    form = await request.form()
    data = {
        name: str(form.get(name, ""))
        for name in (
            *products.SECTIONS,
            "source_grade",
            "information_grade",
            "handling_code",
            "handling_restriction",
        )
    }
    try:
        with db.begin_nested():
            products.update_product(
                db,
                user=user,
                product_id=product_id,
                sections={k: data[k] for k in products.SECTIONS},
                source_grade=data["source_grade"] or None,
                information_grade=data["information_grade"] or None,
                handling_code=data["handling_code"],
                handling_restriction=data["handling_restriction"] or None,
                final=form.get("final") == "1",
            )
    except UserError as exc:
        row = products.get_product(db, user=user, product_id=product_id)
        return _page(request, db, user, row, error=exc, form=data)
    return redirect_with_notice(request, f"/profiles/{product_id}", "saved")


@router.get("/profiles/{product_id}/pdf")
def profile_pdf(
    request: Request,
    db: DB,
    user: Reader,
    product_id: int,
    why: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """The profile as a PDF in the reader's language, its marking on every page."""
    row = products.open_product(db, user=user, product_id=product_id, why=why or None, export="pdf")
    data = product_pdf(row, formatter(request))
    headers = {
        **NO_STORE,
        "X-Handling-Code": row.handling_code,
        "Content-Disposition": f'attachment; filename="profile-{row.id}.pdf"',
    }
    return Response(data, media_type="application/pdf", headers=headers)
