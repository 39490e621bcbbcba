"""The list page of each record type: filters with counts, sort, columns, and its exports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from armsbridge.auth.dependencies import DB
from armsbridge.auth.permissions import record_types_for
from armsbridge.auth.principal import Principal
from armsbridge.i18n_marker import N_
from armsbridge.records import list_export, list_rows, listing, marks, reading
from armsbridge.records.labels import TYPES
from armsbridge.records.pages import Reader, common_context, record_type_of
from armsbridge.web.access_log import log_now
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
    spec = listing.spec_of(record_type)
    context: dict[str, Any] = {
        "record_type": record_type,
        "why": query.why,
        "keep": query.params(why=""),
        "can_create": record_type in record_types_for(user.role, "write"),
    }
    try:
        reading.check_justification(record_type, query.why)
    except reading.JustificationRequired:
        return render(request, "records/justify.html", common_context(context))
    fmt = request.query_params.get("format")
    if fmt:
        return _export_list(request, db, user, query, fmt)
    # The consultation entry is written at once (web.access_log) rather than by list_records.
    total, facets = list_rows.summary(db, query, user)
    rows = list_rows.page_of(db, query, user)
    response = render(
        request,
        "records/list.html",
        common_context(
            {
                **context,
                "list_query": query,
                "spec": spec,
                "columns": [spec.columns[c] for c in query.columns],
                "facets": facets,
                "max_columns": listing.MAX_COLUMNS,
                "cell": listing.cell,
                "shown_label": listing.shown_label,
                "rows": rows,
                "marks": marks.row_marks(db, record_type, rows),
                "total": total,
                "page": query.page,
                "pages": max(1, -(-total // listing.PAGE_SIZE)),
            }
        ),
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
            details={"list": slug, "page": query.page, "ids": [r.id for r in rows]},
        )
    return response


def _export_list(
    request: Request, db: DB, user: Principal, query: listing.ListQuery, fmt: str
) -> Response:
    """The filtered list as a CSV or XLSX file, headers and coded values in the user's words."""
    gettext = formatter(request).gettext
    spec = listing.spec_of(query.record_type)
    columns = [spec.columns[c] for c in query.columns]

    def values(record: Any) -> list[Any]:
        out: list[Any] = []
        for column in columns:
            value = listing.shown_label(column, listing.cell(column, record))
            if column.kind == "bool" and value is not None:
                value = gettext("Yes") if value else gettext("No")
            elif isinstance(value, str) and (column.enum or column.name == "category"):
                value = gettext(value)
            out.append(value)
        return out

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
