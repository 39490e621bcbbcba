"""The list page of each record type: filters with counts, sort, columns, and its exports."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response

from armsbridge.auth.dependencies import DB
from armsbridge.auth.permissions import record_types_for, role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import UserError, ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.records import (
    list_export,
    list_rows,
    listing,
    marks,
    reading,
    saved_searches,
    selection,
)
from armsbridge.records.labels import TYPES
from armsbridge.records.pages import Reader, Updater, common_context, record_type_of
from armsbridge.vocab.service import enum_values
from armsbridge.web.access_log import log_now
from armsbridge.web.i18n import Formatter
from armsbridge.web.notice import redirect_with_notice
from armsbridge.web.templating import formatter, render

router = APIRouter(tags=["pages"], include_in_schema=False)
# Heads of the marking columns of an exported list (records.export.MARKING_COLUMNS).
MARKING_HEADERS = (
    N_("Received from"),
    N_("Provider's handling code"),
    N_("Grades"),
    N_("Received on"),
    N_("Provider's conditions"),
)
UNKNOWN_ACTION = N_("assign to a case, or set the handling code")
WITHHELD_NOTE = N_(
    "%(num)s records received under H2 are left out: they may not leave the node without the "
    "provider's permission."
)


@router.get("/records/{slug}")
def list_page(request: Request, db: DB, user: Reader, slug: str) -> Response:
    """A list of the records of one type the user may read: filters, facets, sort, columns.

    Everything is in the query string (records.listing); `?format=csv|xlsx` exports the
    filtered list through the audited export (records.list_export).
    """
    record_type = record_type_of(slug, user)
    query = listing.parse_query(record_type, request.query_params.multi_items())
    try:
        reading.check_justification(record_type, query.why)
    except reading.JustificationRequired:
        return render(request, "records/justify.html", common_context(_context(query, user)))
    fmt = request.query_params.get("format")
    if fmt:
        return _export_list(request, db, user, query, fmt)
    return _list_response(request, db, user, query)


@router.post("/records/{slug}/selection")
async def selection_page(request: Request, db: DB, user: Updater, slug: str) -> Response:
    """Apply one change to the records chosen on a list: assign them to a case, or set their
    handling code; all or nothing, each change audited."""
    record_type = record_type_of(slug, user, "write")
    form = await request.form()
    query = _query_of(record_type, str(form.get("list", "")))
    chosen = [str(v) for v in form.getlist("ids")]
    action = str(form.get("action", ""))
    try:
        with db.begin_nested():
            ids = selection.selected_ids(chosen)
            if action == "case":
                case = selection.find_case(db, user=user, reference=str(form.get("case", "")))
                role = str(form.get("role", "")).strip() or None
                changed = selection.assign_to_case(
                    db, user=user, record_type=record_type, ids=ids, case=case, role=role
                )
            elif action == "handling_code":
                code = str(form.get("handling_code", ""))
                changed = selection.set_handling_code(
                    db, user=user, record_type=record_type, ids=ids, code=code
                )
            else:
                raise ValidationFailed(
                    N_("action: %(value)r is not an action of this list"),
                    [{"field": "action", "value": action[:20], "expected": UNKNOWN_ACTION}],
                    values={"value": action[:20]},
                )
    except UserError as exc:
        return _list_response(request, db, user, query, error=exc, selected=chosen, form=dict(form))
    url = f"/records/{slug}{query.url()}"
    return redirect_with_notice(request, url, "changed", count=changed)


@router.post("/records/{slug}/saved")
async def save_search_page(request: Request, db: DB, user: Reader, slug: str) -> Response:
    """Keep the list's filters, sort and columns under a name, for this user."""
    record_type = record_type_of(slug, user)
    form = await request.form()
    query = _query_of(record_type, str(form.get("list", "")))
    try:
        with db.begin_nested():
            saved_searches.save_search(db, user=user, query=query, name=str(form.get("name", "")))
    except UserError as exc:
        return _list_response(request, db, user, query, error=exc, form=dict(form))
    return redirect_with_notice(request, f"/records/{slug}{query.url()}", "search_saved")


@router.post("/records/saved/{search_id}/remove")
def remove_search_page(request: Request, db: DB, user: Reader, search_id: int) -> Response:
    """Remove one of the user's saved searches."""
    search = saved_searches.remove_search(db, user=user, search_id=search_id)
    slug = TYPES[search.record_type][0]
    return redirect_with_notice(request, f"/records/{slug}", "search_removed")


def _query_of(record_type: str, kept: str) -> listing.ListQuery:
    """The list a form came from, as the query string it carried (checked like the address)."""
    return listing.parse_query(record_type, parse_qsl(kept.removeprefix("?")))


def _context(query: listing.ListQuery, user: Principal) -> dict[str, Any]:
    return {
        "record_type": query.record_type,
        "why": query.why,
        "keep": query.params(why=""),
        "can_create": query.record_type in record_types_for(user.role, "write"),
    }


def _list_response(
    request: Request,
    db: DB,
    user: Principal,
    query: listing.ListQuery,
    *,
    error: UserError | None = None,
    selected: list[str] | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    """Render the list page; after a refused selection or save, with the error and the input."""
    record_type = query.record_type
    spec = listing.spec_of(record_type)
    # The consultation entry is written at once (web.access_log) rather than by list_records.
    total, facets = list_rows.summary(db, query, user)
    rows = list_rows.page_of(db, query, user)
    fmt = formatter(request)
    columns = [spec.columns[c] for c in query.columns]
    writable = (
        record_type != "link"
        and role_allows(user.role, "record.update")
        and record_type in record_types_for(user.role, "write")
    )
    response = render(
        request,
        "records/list.html",
        common_context(
            {
                **_context(query, user),
                "list_query": query,
                "spec": spec,
                "columns": columns,
                "facets": facets,
                "max_columns": listing.MAX_COLUMNS,
                "rows": rows,
                "table": [(r, [shown_cell(fmt, record_type, c, r) for c in columns]) for r in rows],
                "marks": marks.row_marks(db, record_type, rows),
                "total": total,
                "page": query.page,
                "pages": max(1, -(-total // listing.PAGE_SIZE)),
                "can_select": writable and bool(rows),
                "by_case": spec.by_case,
                "case_choices": selection.case_choices(db, user=user) if writable and rows else [],
                "handling_codes": enum_values("handling_codes"),
                "subject_roles": enum_values("data_subject_roles"),
                "saved": saved_searches.saved_searches(db, user=user, record_type=record_type),
                "error": error,
                "selected": set(selected or ()),
                "form": form or {},
            }
        ),
        status_code=error.status_code if error is not None else 200,
    )
    if reading.needs_justification(record_type) and rows:
        log_now(
            request,
            db,
            user=user,
            action="consult",
            record_type=record_type,
            jurisdiction=user.jurisdiction,
            why=query.why.strip(),
            details={
                "list": TYPES[record_type][0],
                "page": query.page,
                "ids": [r.id for r in rows],
            },
        )
    return response


def shown_cell(
    fmt: Formatter, record_type: str, column: listing.Column, record: Any, *, in_file: bool = False
) -> Any:
    """A cell as a list shows it: coded values in the user's words, dates in their format.

    `in_file`: for an exported file, where dates stay dates and a country stays its code.
    """
    value = listing.shown_label(column, listing.cell(column, record))
    if value is None:
        return None
    if column.kind == "bool":
        return fmt.gettext("Yes") if value else fmt.gettext("No")
    if column.enum or column.name == "category":
        return fmt.gettext(value) if isinstance(value, str) else value
    if in_file:
        return value
    if column.kind in ("date", "partial_date", "datetime"):
        return fmt.date(value)
    if record_type == "phone" and column.name == "country":
        return fmt.country(value)
    return value


def _export_list(
    request: Request, db: DB, user: Principal, query: listing.ListQuery, fmt: str
) -> Response:
    """The filtered list as a CSV or XLSX file, headers and coded values in the user's words."""
    words = formatter(request)
    gettext = words.gettext
    spec = listing.spec_of(query.record_type)
    columns = [spec.columns[c] for c in query.columns]

    def values(record: Any) -> list[Any]:
        return [shown_cell(words, query.record_type, c, record, in_file=True) for c in columns]

    written = list_export.export_list(
        db,
        user=user,
        query=query,
        fmt=fmt,
        headers=[gettext(c.label) for c in columns],
        marking_headers=[gettext(label) for label in MARKING_HEADERS],
        values=values,
        withheld_note=lambda n: gettext(WITHHELD_NOTE, num=n),
        name=TYPES[query.record_type][0],
    )
    disposition = f'attachment; filename="{written.filename}"'
    return Response(
        written.content,
        media_type=written.media_type,
        headers={"Content-Disposition": disposition},
    )
