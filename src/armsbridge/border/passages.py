"""Import the border-crossing passages a service recorded: whole or not at all.

A passages file is a CSV or XLSX export of a crossing point's records, one passage a row
(`FILE_COLUMNS`; the optional ones may be missing or empty). Every row is checked before
anything is written; one bad row and nothing is imported, and every bad row is reported with
its row number, column, value and what was expected. A row of another service is a bad row: a
node holds only its own service's passages. The file is one audit entry (as every import),
each passage keeps its file and row in `source_ref`. The same file (by SHA-256) imported again
adds nothing and says when it was first imported, so a re-run never counts traffic twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.border.models import Passage
from armsbridge.errors import PermissionDenied, UserError, ValidationFailed
from armsbridge.exchange.patrols import BORDER_TIME, crossing_points
from armsbridge.i18n_marker import N_
from armsbridge.imports.readers import open_table
from armsbridge.imports.service import file_sha256
from armsbridge.vocab.service import enum_values

REQUIRED = ("crossing", "passed_at", "vehicle", "known", "checked", "weapons_found", "jurisdiction")
OPTIONAL = ("direction", "plate", "occupants", "age_band", "male", "crossings_30d")
FILE_COLUMNS = (
    *REQUIRED[:2],
    "direction",
    "vehicle",
    "plate",
    "occupants",
    "age_band",
    "male",
    "known",
    "crossings_30d",
    "checked",
    "weapons_found",
    "jurisdiction",
)
YES, NO = ("1", "yes", "true", "y", "da", "po", "да"), ("0", "no", "false", "n", "ne", "jo", "не")
MOST_OCCUPANTS = 200
MOST_CROSSINGS = 1000
SHOWN_PROBLEMS = 200  # bad rows listed in the error; the count says how many there are
BATCH = 5000


@dataclass
class PassageImport:
    """What an import of passages did (or would do, in a dry run)."""

    file: str
    sha256: str
    rows: int = 0
    dry_run: bool = False
    by_crossing: dict[str, int] = field(default_factory=dict)
    found: int = 0
    rows_quarantined: int = 0  # always 0: a bad row stops the file (named as in ImportReport)
    already: str | None = None  # when the same file (by SHA-256) was imported before: when, who

    @property
    def rows_imported(self) -> int:
        """The rows stored (checked, in a dry run), named as in an ImportReport."""
        return self.rows


def _flag(text: str, column: str, problems: list[dict[str, str]]) -> bool | None:
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    problems.append({"field": column, "value": text, "expected": N_("1 or 0 (yes or no)")})
    return None


def _whole(text: str, column: str, most: int, problems: list[dict[str, str]]) -> int | None:
    value = text.strip()
    if value.isdigit() and int(value) <= most:
        return int(value)
    expected = N_("a whole number from 0 to %(most)s") % {"most": most}
    problems.append({"field": column, "value": text, "expected": expected})
    return None


def _moment(text: str, problems: list[dict[str, str]]) -> datetime | None:
    """A date and time at the border; one with an offset is turned into border time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        expected = N_("a date and time, YYYY-MM-DD HH:MM")
        problems.append({"field": "passed_at", "value": text, "expected": expected})
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(BORDER_TIME).replace(tzinfo=None)
    return moment


def _one_of(
    text: str,
    column: str,
    allowed: dict[str, str] | tuple[str, ...],
    problems: list[dict[str, str]],
) -> str | None:
    if text in allowed:
        return text
    expected = N_("one of: %(values)s") % {"values": ", ".join(allowed)}
    problems.append({"field": column, "value": text, "expected": expected})
    return None


def check_row(
    values: dict[str, Any], *, jurisdiction: str
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Return a row as the table's values and the problems of its cells (none when valid)."""
    cell = {
        name: str(values.get(name) if values.get(name) is not None else "").strip()
        for name in FILE_COLUMNS
    }
    problems: list[dict[str, str]] = []
    for name in REQUIRED:
        if not cell[name]:
            problems.append({"field": name, "value": "", "expected": N_("a value (required)")})
    out: dict[str, Any] = {}
    if cell["crossing"]:
        out["crossing"] = _one_of(cell["crossing"], "crossing", tuple(crossing_points()), problems)
    if cell["passed_at"]:
        out["passed_at"] = _moment(cell["passed_at"], problems)
    if cell["vehicle"]:
        out["vehicle"] = _one_of(
            cell["vehicle"], "vehicle", enum_values("passage_vehicles"), problems
        )
    out["direction"] = cell["direction"] and _one_of(
        cell["direction"], "direction", enum_values("passage_directions"), problems
    )
    plate = cell["plate"].upper()
    if plate and not (plate == "OTHER" or (len(plate) == 2 and plate.isalpha())):
        expected = N_("a country code of two letters, or other")
        problems.append({"field": "plate", "value": cell["plate"], "expected": expected})
    out["plate"] = ("other" if plate == "OTHER" else plate) or None
    out["age_band"] = cell["age_band"] and _one_of(
        cell["age_band"], "age_band", enum_values("age_bands"), problems
    )
    out["occupants"] = cell["occupants"] and _whole(
        cell["occupants"], "occupants", MOST_OCCUPANTS, problems
    )
    out["crossings_30d"] = cell["crossings_30d"] and _whole(
        cell["crossings_30d"], "crossings_30d", MOST_CROSSINGS, problems
    )
    out["male"] = _flag(cell["male"], "male", problems) if cell["male"] else None
    for name in ("known", "checked", "weapons_found"):
        if cell[name]:
            out[name] = _flag(cell[name], name, problems)
    if out.get("weapons_found") and out.get("checked") is False:
        expected = N_("0: weapons are found only on a passage that was checked")
        problems.append(
            {"field": "weapons_found", "value": cell["weapons_found"], "expected": expected}
        )
    if cell["jurisdiction"] and cell["jurisdiction"] != jurisdiction:
        expected = N_("%(jurisdiction)s: a node holds its own service's passages") % {
            "jurisdiction": jurisdiction
        }
        problems.append(
            {"field": "jurisdiction", "value": cell["jurisdiction"], "expected": expected}
        )
    out["jurisdiction"] = jurisdiction
    return {k: (v if v != "" else None) for k, v in out.items()}, problems


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    table = open_table(path)
    missing = [c for c in REQUIRED if c not in table.header]
    if missing:
        raise UserError(
            N_("%(name)s: column(s) %(value)s are missing (the file has: %(value2)s)"),
            values={
                "name": path.name,
                "value": ", ".join(missing),
                "value2": ", ".join(h for h in table.header if h),
            },
        )
    yield from table.rows


def import_passages(
    session: Session, *, user: Principal, path: str | Path, dry_run: bool = False
) -> PassageImport:
    """Check every row of `path`, then store them all (ValidationFailed naming every bad row)."""
    if not role_allows(user.role, "import.run") and not user.is_node:
        raise PermissionDenied(
            N_("your role may not do this: it needs %(action)s"), values={"action": "import.run"}
        )
    path = Path(path)
    report = PassageImport(file=path.name, sha256=file_sha256(path), dry_run=dry_run)
    good: list[dict[str, Any]] = []
    bad: list[dict[str, str]] = []
    bad_rows = 0
    for number, values in _rows(path):
        row, problems = check_row(values, jurisdiction=user.jurisdiction)
        if problems:
            bad_rows += 1
            for p in problems:
                if len(bad) < SHOWN_PROBLEMS:
                    bad.append(
                        {
                            "row": str(number),
                            "field": p["field"],
                            "value": str(p["value"])[:60],
                            "expected": str(p["expected"]),
                        }
                    )
            continue
        row.update(
            source_ref=f"{path.name} row {number}",
            file_sha256=report.sha256,
            file_row=number,
            created_by=user.username,
        )
        good.append(row)
        report.by_crossing[row["crossing"]] = report.by_crossing.get(row["crossing"], 0) + 1
        report.found += bool(row["weapons_found"])
    report.rows = len(good)
    if bad:
        raise ValidationFailed(
            N_("%(name)s: %(count)s rows are not valid; nothing was imported"),
            bad,
            values={"name": path.name, "count": bad_rows},
        )
    if dry_run:
        return report
    earlier = _imported_before(session, user, report.sha256)
    if earlier is not None:  # the same bytes again: already stored, nothing to add
        return _already(report, earlier)
    try:
        with session.begin_nested():
            for start in range(0, len(good), BATCH):
                session.execute(insert(Passage), good[start : start + BATCH])
            log_access(
                session,
                user=user,
                action="import",
                record_type="passage",
                details={
                    "file": report.file,
                    "sha256": report.sha256,
                    "rows": report.rows,
                    "by_crossing": report.by_crossing,
                    "weapons_found": report.found,
                },
            )
    except IntegrityError:
        # The same file was stored by another upload between the check and the insert.
        earlier = _imported_before(session, user, report.sha256)
        if earlier is None:
            raise
        return _already(report, earlier)
    return report


def _already(report: PassageImport, earlier: str) -> PassageImport:
    report.already, report.rows, report.by_crossing, report.found = earlier, 0, {}, 0
    return report


def _imported_before(session: Session, user: Principal, sha256: str) -> str | None:
    """Return "<time> by <actor>" of an earlier import of the same file by this service."""
    stmt = select(Passage.created_at, Passage.created_by).where(
        Passage.file_sha256 == sha256, Passage.jurisdiction == user.jurisdiction
    )
    found = session.execute(stmt.order_by(Passage.id).limit(1)).first()
    return None if found is None else f"{found[0]:%Y-%m-%d %H:%M} by {found[1]}"


def passage_file_row(values: dict[str, Any]) -> list[Any]:
    """Return one passage as a row of a passages file, in FILE_COLUMNS order."""
    return [values.get(name, "") for name in FILE_COLUMNS]
