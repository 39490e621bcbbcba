"""Import a CSV/XLSX export through a mapping profile: whole rows or none, one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from armsbridge.audit.service import add_changes, changes_summary
from armsbridge.auth.access import log_access
from armsbridge.auth.principal import Principal
from armsbridge.errors import UserError
from armsbridge.i18n_marker import N_
from armsbridge.imports.limits import FileLimits
from armsbridge.imports.profile import Profile, load_profile
from armsbridge.imports.quarantine import default_quarantine_path, write_quarantine
from armsbridge.imports.readers import open_table
from armsbridge.imports.schemas import ImportReport
from armsbridge.imports.staging import FileImport
from armsbridge.settings import get_settings

Progress = Callable[[int, int | None], None]  # (rows just done, estimated total)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _batches(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def import_file(
    session: Session,
    *,
    profile: Profile | str | Path,
    path: str | Path,
    user: Principal,
    dry_run: bool = False,
    quarantine_path: str | Path | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
    limits: FileLimits | None = None,
) -> ImportReport:
    """Import every valid row of `path`; quarantine the others with their reasons.

    Every row is checked and resolved first, writing nothing; then the valid rows are written
    inside one savepoint: a failure anywhere undoes the whole file. A dry run stops after the
    check. Never commits.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    path = Path(path)
    table = open_table(
        path,
        encoding=prof.encoding,
        delimiter=prof.delimiter,
        sheet=prof.sheet,
        header_row=prof.header_row,
        limits=limits,
    )
    missing = [c for c in prof.columns() if c not in table.header]
    if missing:
        raise UserError(
            N_(
                "%(name)s: column(s) %(value)s required by profile %(name2)s are missing "
                "(the file has: %(value2)s)"
            ),
            values={
                "name": path.name,
                "value": ", ".join(missing),
                "name2": prof.name,
                "value2": ", ".join(h for h in table.header if h),
            },
        )
    report = ImportReport(
        file=path.name, profile=prof.name, sha256=file_sha256(path), dry_run=dry_run
    )
    report.encoding = table.encoding
    run = FileImport(session, prof, report, user=user, keep=not dry_run)
    size = batch_size or get_settings().import_batch_size
    # Checking and resolving every row takes most of an import and writes nothing, so it holds
    # no write lock: on SQLite, web requests keep writing (their audit entries) meanwhile. Only
    # apply() below writes, in one savepoint, so the file is still applied whole or not at all.
    for batch in _batches(table.rows, size):
        run.stage(batch)
        if progress:
            progress(len(batch), table.total)
    run.quarantined.sort(key=lambda item: item[0])
    report.errors.sort(key=lambda e: e.row)
    if run.quarantined:
        target = Path(quarantine_path) if quarantine_path else default_quarantine_path(path)
        report.quarantine_omitted = write_quarantine(target, table.header, run.quarantined)
        report.quarantine_path = target
    if not dry_run:
        try:
            with session.begin_nested():
                run.apply()
                report.created, report.updated = run.counts()
                entry = log_access(
                    session,
                    user=user,
                    action="import",
                    jurisdiction=prof.jurisdiction.value,
                    details={**report.summary(), **changes_summary(run.changes)},
                )
                add_changes(session, entry=entry, changes=run.changes)
        except IntegrityError as exc:
            raise UserError(
                N_(
                    "%(name)s: a record of this file clashes with one stored by someone else "
                    "while the file was being checked. Nothing was imported; import the file "
                    "again."
                ),
                values={"name": path.name},
            ) from exc
    else:
        report.created, report.updated = run.counts()
    return report
