"""Export of a filtered list as CSV or XLSX, through the rules of every export (records.export).

Only the rows of the list the user may read are written; a foreign record received under H2 is
left out (and the file says how many), others carry their marking; every text cell goes
through `spreadsheet.safe_cell`; the export is one "export" entry of the audit log naming the
list, its filters, the count and the ids of the personal records written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.principal import Principal
from armsbridge.records.export import ExportMarks, cell_text, is_blocked, marking_cells
from armsbridge.records.handling import Withheld
from armsbridge.records.list_rows import check_case, statement
from armsbridge.records.listing import FORMATS, ListQuery
from armsbridge.records.reading import check_justification, needs_justification
from armsbridge.spreadsheet import safe_cell

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_BATCH = 2000


@dataclass(frozen=True)
class ListExport:
    """A written export: its bytes, media type and file name, how many rows, what was left out."""

    content: bytes
    media_type: str
    filename: str
    rows: int
    withheld: Withheld


def export_list(
    session: Session,
    *,
    user: Principal,
    query: ListQuery,
    fmt: str,
    headers: Sequence[str],
    marking_headers: Sequence[str],
    values: Callable[[Any], list[Any]],
    withheld_note: Callable[[int], str],
    name: str,
) -> ListExport:
    """Write every row of the filtered list `user` may read; log the export.

    `headers` and `values(record)` are the list's columns as the user reads them (their
    language); `marking_headers` head the marking columns, present when a row is foreign.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown list export format {fmt!r}")
    why = check_justification(query.record_type, query.why)
    check_case(session, query, user)
    marks = ExportMarks(session)
    foreign = bool(marks.of(query.record_type))
    table: list[list[Any]] = [[*headers, *(marking_headers if foreign else ())]]
    ids: list[int] = []
    left_out = 0
    stmt = statement(query, user).execution_options(yield_per=_BATCH)
    for record in session.scalars(stmt):
        if is_blocked(marks, query.record_type, record):
            left_out += 1
            continue
        cells = [safe_cell(v) for v in values(record)]
        if foreign:
            cells += marking_cells(marks.get(query.record_type, record.id))
        table.append(cells)
        ids.append(record.id)
    withheld = Withheld({query.record_type: left_out} if left_out else {})
    note = withheld_note(left_out) if left_out else None
    content = _csv(table, note) if fmt == "csv" else _xlsx(table, note)
    log_access(
        session,
        user=user,
        action="export",
        record_type=query.record_type,
        jurisdiction=user.jurisdiction,
        why=why,
        details={
            "format": fmt,
            "list": query.params(page=1, why=""),
            "count": len(ids),
            "ids": {query.record_type: ids} if needs_justification(query.record_type) else {},
            "withheld_h2": withheld.counts,
        },
    )
    filename = f"{name}-{date.today().isoformat()}.{fmt}"
    return ListExport(content, MEDIA[fmt], filename, len(ids), withheld)


def _csv(table: list[list[Any]], note: str | None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in table:
        writer.writerow([cell_text(v) for v in row])
    if note:
        writer.writerow([safe_cell(note)])
    # With a byte-order mark, spreadsheet programs read the file as UTF-8 (Cyrillic names).
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(table: list[list[Any]], note: str | None) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("List")
    for row in table:
        sheet.append([_xlsx_value(v) for v in row])
    if note:
        book.create_sheet("Withheld").append([safe_cell(note)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return cell_text(value)  # dates (with their time zone), lists: as text
