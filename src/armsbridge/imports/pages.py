"""Import wizard: upload a file, preview the mapping and the row errors (dry run), commit."""

from __future__ import annotations

import json
import re
import secrets
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.errors import NotFound, UserError, ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.imports.limits import FileLimits
from armsbridge.imports.profile import PROFILES_DIR, Profile, load_profile
from armsbridge.imports.readers import open_table
from armsbridge.imports.service import import_file
from armsbridge.imports.wording import shown_expected
from armsbridge.records.labels import TYPES, field_label
from armsbridge.web.templating import formatter, render
from armsbridge.web.uploads import read_within, safe_filename

router = APIRouter(tags=["pages"], include_in_schema=False)
Importer = Annotated[Principal, Depends(require("import.run"))]
PREVIEW_ROWS = 5
PAGE_ERRORS = 500  # row errors a preview lists; the count says how many more there are
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def profiles_for(user: Principal) -> list[Profile]:
    """Return the shipped profiles the user may run: fixed to their jurisdiction or per row."""
    found = []
    for path in sorted(PROFILES_DIR.glob("*.yaml")):
        try:
            profile = load_profile(path)
        except UserError:
            continue
        fixed = profile.jurisdiction.value
        if fixed is None or fixed == user.jurisdiction:
            found.append(profile)
    return found


def _upload_dir(request: Request, token: str) -> Path:
    if not _TOKEN.match(token):
        raise NotFound("no such upload")
    return Path(request.app.state.settings.var_dir) / "uploads" / token


def _load_upload(request: Request, user: Principal, token: str) -> tuple[Path, dict[str, Any]]:
    folder = _upload_dir(request, token)
    meta_path = folder / "upload.json"
    if not meta_path.exists():
        raise NotFound("no such upload (it may have been committed already)")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta["user"] != user.username:
        raise NotFound("no such upload")
    return folder / meta["filename"], meta


def _profile(user: Principal, name: str) -> Profile:
    for profile in profiles_for(user):
        if profile.name == name:
            return profile
    raise ValidationFailed(
        N_("profile: %(name)r is not a mapping profile you may use"),
        [{"field": "profile", "value": name, "expected": "one of the listed profiles"}],
        values={"name": name},
    )


@router.get("/imports")
def wizard_start(request: Request, user: Importer) -> Response:
    """Step 1: choose a mapping profile and the file to import."""
    return render(request, "imports/upload.html", {"profiles": profiles_for(user), "error": None})


@router.post("/imports")
async def wizard_upload(
    request: Request,
    user: Importer,
    profile: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
) -> Response:
    """Keep the uploaded file under var_dir/uploads and go to the preview."""
    chosen = _profile(user, profile)
    limit = request.app.state.settings.import_max_file_bytes
    data = await read_within(file, limit)
    if data is None:
        return render(
            request,
            "imports/upload.html",
            {
                "profiles": profiles_for(user),
                "error": N_("The file is empty or too large."),
                "limit": limit,
            },
            status_code=422,
        )
    token = secrets.token_urlsafe(18)
    folder = _upload_dir(request, token)
    folder.mkdir(parents=True)
    name = safe_filename(file.filename, "upload.csv")
    (folder / name).write_bytes(data)
    meta = {"user": user.username, "profile": chosen.name, "filename": name}
    (folder / "upload.json").write_text(json.dumps(meta), encoding="utf-8")
    return RedirectResponse(f"/imports/{token}", status_code=303)


def mapping_rows(profile: Profile, header: list[str]) -> list[dict[str, Any]]:
    """Return one row per mapped field: record, field, the columns it reads, whether present."""
    rows = []
    for spec in profile.records:
        for field_name, source in spec.fields.items():
            columns = source.referenced_columns()
            rows.append(
                {
                    "record": spec.alias,
                    "type": spec.type,
                    "field": field_name,
                    "columns": columns,
                    "constant": source.value if not columns else None,
                    "missing": [c for c in columns if c not in header],
                }
            )
    return rows


def _limits(request: Request) -> FileLimits:
    return FileLimits.of(request.app.state.settings)


def _file_error(
    request: Request, token: str, meta: dict[str, Any], profile: Profile, error: str
) -> Response:
    """The preview page of a file that cannot be imported: the reason, and no commit button."""
    context = {
        "token": token,
        "meta": meta,
        "profile": profile,
        "header": [],
        "sample": [],
        "mapping": [],
        "missing": [],
        "report": None,
        "error": error,
        "page_errors": PAGE_ERRORS,
    }
    return render(request, "imports/preview.html", context, status_code=422)


@router.get("/imports/{token}")
def wizard_preview(request: Request, db: DB, user: Importer, token: str) -> Response:
    """Step 2 and 3: the mapping against the file's columns, a sample, and every row error."""
    path, meta = _load_upload(request, user, token)
    profile = _profile(user, meta["profile"])
    try:
        table = open_table(
            path,
            encoding=profile.encoding,
            delimiter=profile.delimiter,
            sheet=profile.sheet,
            header_row=profile.header_row,
            limits=_limits(request),
        )
        sample = [values for _number, values in islice(table.rows, PREVIEW_ROWS)]
    except UserError as exc:
        return _file_error(request, token, meta, profile, formatter(request).error(exc))
    missing = [c for c in profile.columns() if c not in table.header]
    report = error = None
    if not missing:
        try:
            with db.begin_nested() as nested:
                report = import_file(
                    db,
                    profile=profile,
                    path=path,
                    user=user,
                    dry_run=True,
                    quarantine_path=path.parent / "dry-run-quarantine.csv",
                    limits=_limits(request),
                )
                nested.rollback()
        except UserError as exc:
            error = formatter(request).error(exc)
    return render(
        request,
        "imports/preview.html",
        {
            "token": token,
            "meta": meta,
            "profile": profile,
            "header": table.header,
            "sample": sample,
            "mapping": mapping_rows(profile, table.header),
            "missing": missing,
            "report": report,
            "error": error,
            "page_errors": PAGE_ERRORS,
            "field_label": field_label,
            "expected": partial(shown_expected, formatter(request)),
        },
        status_code=422 if error else 200,
    )


@router.post("/imports/{token}/commit")
def wizard_commit(request: Request, db: DB, user: Importer, token: str) -> Response:
    """Step 4: import the valid rows (all at once or none); bad rows go to quarantine."""
    path, meta = _load_upload(request, user, token)
    profile = _profile(user, meta["profile"])
    quarantine = Path(request.app.state.settings.var_dir) / "quarantine" / f"{token}.csv"
    try:  # the import undoes its own writes when it fails (one savepoint)
        report = import_file(
            db,
            profile=profile,
            path=path,
            user=user,
            dry_run=False,
            quarantine_path=quarantine,
            limits=_limits(request),
        )
    except UserError as exc:
        return _file_error(request, token, meta, profile, formatter(request).error(exc))
    (path.parent / "upload.json").unlink()
    context = {"report": report, "profile": profile, "TYPES": TYPES}
    return render(request, "imports/done.html", context)
