"""The page "Border passages": upload a crossing point's passages file, whole or nothing.

Thin: the file is written to a private temporary folder and handed to
`border.passages.import_passages`, which checks the role and every row, and logs the import. A
refused file is shown with every bad row (row, column, value, what was expected); nothing of it
is stored.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.border.passages import FILE_COLUMNS, REQUIRED, PassageImport, import_passages
from armsbridge.errors import UserError
from armsbridge.i18n_marker import N_
from armsbridge.web.templating import render
from armsbridge.web.uploads import read_within, safe_filename

router = APIRouter(tags=["pages"], include_in_schema=False)
Importer = Annotated[Principal, Depends(require("import.run"))]
NO_STORE = {"Cache-Control": "no-store"}
SUFFIXES = (".csv", ".xlsx", ".txt")
# What each column of a passages file holds (the file's header is written as in FILE_COLUMNS).
MEANINGS = {
    "crossing": N_("the crossing point's code, as on the map of crossings"),
    "passed_at": N_("date and time of the passage (2025-03-04 23:10, or ISO 8601 with a zone)"),
    "direction": N_("entry or exit"),
    "vehicle": N_("car, van, bus, truck or foot"),
    "plate": N_("the country of the plate, two letters (DE, XK), or other"),
    "occupants": N_("how many people travelled"),
    "age_band": N_("the driver's age band (18-25, 26-35, 36-50, 51+)"),
    "male": N_("1 when the driver is a man, 0 when not"),
    "known": N_("1 when the vehicle or a traveller is known to this service"),
    "crossings_30d": N_("how many times the vehicle crossed in the 30 days before"),
    "checked": N_("1 when the passage was checked"),
    "weapons_found": N_("1 when the check found weapons, ammunition or explosives"),
    "jurisdiction": N_("this service (XK or MK): a node keeps its own passages only"),
}


def _page(
    request: Request,
    *,
    report: PassageImport | None = None,
    error: UserError | None = None,
    limit: int | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "report": report,
        "error": error,
        "limit": limit,
        "columns": [(name, MEANINGS[name], name in REQUIRED) for name in FILE_COLUMNS],
    }
    return render(
        request, "border/passages.html", context, status_code=status_code, headers=NO_STORE
    )


@router.get("/border/passages")
def passages_form(request: Request, user: Importer) -> Response:
    """The upload form, with the columns a passages file has."""
    return _page(request)


@router.post("/border/passages")
async def passages_upload(
    request: Request,
    db: DB,
    user: Importer,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Check the uploaded file and store all of its passages, or none and say why."""
    limit = request.app.state.settings.import_max_file_bytes
    data = await read_within(file, limit)
    name = safe_filename(file.filename, "passages.csv")
    if data is None:
        error = UserError(N_("The file is empty or too large."))
        return _page(request, error=error, limit=limit, status_code=422)
    if not name.lower().endswith(SUFFIXES):
        error = UserError(
            N_("%(name)s: a passages file is a CSV or XLSX file"), values={"name": name}
        )
        return _page(request, error=error, status_code=422)
    with tempfile.TemporaryDirectory(prefix="passages-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:  # import_passages checks every row first and writes in a savepoint of its own
            report = import_passages(db, user=user, path=path, dry_run=bool(dry_run))
        except UserError as exc:
            return _page(request, error=exc, status_code=422)
    return _page(request, report=report)
