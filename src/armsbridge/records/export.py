"""Export records as CSV (one file per type) or FollowTheMoney-style JSON lines."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.principal import Principal
from armsbridge.errors import UserError
from armsbridge.i18n_marker import N_
from armsbridge.records.handling import Marking, Withheld, held_markings
from armsbridge.records.models import RECORD_MODELS, CaseStatusChange
from armsbridge.records.reading import (
    check_justification,
    iter_readable,
    needs_justification,
    readable,
)
from armsbridge.records.validation import model_for, record_as_dict, record_type_names
from armsbridge.settings import get_settings
from armsbridge.spreadsheet import safe_cell
from armsbridge.vocab.registry import record_types

FORMATS = ("csv", "ftm")
FTM_FILE = "entities.ftm.jsonl"
# Written beside the files when records received under H2 were left out: the export says so.
WITHHELD_FILE = "WITHHELD.txt"
# Columns every CSV row carries after the record's own: the marking of a foreign record, so it
# travels with the data (empty for the node's own records).
MARKING_COLUMNS = (
    "provenance_provider",
    "provenance_handling_code",
    "provenance_grades",
    "provenance_received_at",
    "provenance_notice",
)
# FollowTheMoney schema of each record type (records.yaml `ftm`); types without one are exported
# as CSV only.
FTM_SCHEMA = {t.name: t.ftm for t in record_types().values() if t.ftm}
_LINK_SCHEMA = {
    "owner_of": ("Ownership", "owner", "asset"),
    "member_of": ("Membership", "member", "organization"),
    "associate_of": ("Associate", "person", "associate"),
}
_GENDER = {"M": "male", "F": "female", "X": "other"}
_BATCH = 2000


def cell_text(value: Any) -> str:
    """Return a value as the text of a CSV cell (dates ISO, lists and dicts as JSON)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass
class ExportResult:
    """Counts written per type, and what was left out because it may not leave the node."""

    counts: dict[str, int]
    withheld: Withheld = field(default_factory=lambda: Withheld({}))


class ExportMarks:
    """The markings of foreign records, loaded per type as the export reaches it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_type: dict[str, dict[int, Marking]] = {}

    def of(self, record_type: str) -> dict[int, Marking]:
        """Return {record id: marking} of the foreign records of a type."""
        if record_type not in self.by_type:
            self.by_type[record_type] = held_markings(self.session, record_type)
        return self.by_type[record_type]

    def get(self, record_type: str, record_id: int) -> Marking | None:
        """Return the marking of one record, None for the node's own."""
        return self.of(record_type).get(record_id)

    def blocked(self, record_type: str, record_id: int) -> bool:
        """True when the record was received under H2 (it may not leave the node)."""
        mark = self.get(record_type, record_id)
        return mark is not None and mark.blocks_dissemination


def export_records(
    session: Session,
    *,
    out: Path,
    user: Principal,
    why: str | None,
    fmt: str = "csv",
    jurisdiction: str | None = None,
) -> dict[str, int]:
    """Write every record `user` may read (of one jurisdiction, if given); return the counts."""
    return run_export(
        session, out=out, user=user, why=why, fmt=fmt, jurisdiction=jurisdiction
    ).counts


def run_export(
    session: Session,
    *,
    out: Path,
    user: Principal,
    why: str | None,
    fmt: str = "csv",
    jurisdiction: str | None = None,
) -> ExportResult:
    """Write every record `user` may read to `out`, leaving out (and reporting) H2 records.

    An export holds personal data, so it needs a justification; it is logged as one "export"
    entry naming the counts, what was left out and the ids of the personal records written.
    A foreign record received under H2 may not leave the node: it is left out, and so are the
    links that name it and a left-out case's status history; WITHHELD.txt says how many and why.
    Foreign records under H0, H1 and H3 carry their marking (columns, FtM properties).
    """
    if fmt not in FORMATS:
        raise UserError(
            N_("unknown export format %(fmt)r: expected one of %(value)s"),
            values={"fmt": fmt, "value": ", ".join(FORMATS)},
        )
    why = check_justification("person", why)
    out.mkdir(parents=True, exist_ok=True)
    shown: dict[str, list[int]] = {}
    marks = ExportMarks(session)
    withheld: dict[str, int] = {}

    def rows(record_type: str) -> Iterator[Any]:
        for record in iter_readable(
            session, user=user, record_type=record_type, jurisdiction=jurisdiction
        ):
            if is_blocked(marks, record_type, record):
                withheld[record_type] = withheld.get(record_type, 0) + 1
                continue
            if needs_justification(record_type):
                shown.setdefault(record_type, []).append(record.id)
            yield record

    counts = (
        _export_csv(session, out, rows, _case_ids(user, jurisdiction), marks)
        if fmt == "csv"
        else _export_ftm(session, out, rows, marks)
    )
    left_out = Withheld({t: n for t, n in withheld.items() if n})
    report = out / WITHHELD_FILE
    if left_out.total:
        report.write_text(left_out.reason() + "\n", encoding="utf-8")
    else:
        report.unlink(missing_ok=True)
    log_access(
        session,
        user=user,
        action="export",
        jurisdiction=jurisdiction or user.jurisdiction,
        why=why,
        details={
            "format": fmt,
            "out": str(out),
            "counts": counts,
            "ids": shown,
            "withheld_h2": left_out.counts,
        },
    )
    return ExportResult(counts, left_out)


def is_blocked(marks: ExportMarks, record_type: str, record: Any) -> bool:
    """True for an H2 foreign record, and for a link naming one (its ends may not leave)."""
    if marks.blocked(record_type, record.id):
        return True
    if record_type == "link":
        return marks.blocked(record.from_type, record.from_id) or marks.blocked(
            record.to_type, record.to_id
        )
    return False


def marking_cells(mark: Marking | None) -> list[str]:
    """Return the MARKING_COLUMNS cells of a record (empty for the node's own records)."""
    if mark is None:
        return ["", "", "", "", ""]
    return [
        mark.provider,
        mark.handling_code,
        mark.grades,
        mark.received_at.isoformat(),
        str(safe_cell(mark.notice % mark.notice_args)),
    ]


def _case_ids(user: Principal, jurisdiction: str | None) -> Select:
    """The ids of the cases `user` may read (whose status history the export may hold)."""
    case = RECORD_MODELS["case"]
    stmt = readable("case", user).with_only_columns(case.id)
    return stmt.where(case.jurisdiction == jurisdiction) if jurisdiction else stmt


def _export_csv(
    session: Session,
    out: Path,
    rows: Callable[[str], Iterator[Any]],
    cases: Select,
    marks: ExportMarks,
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record_type in record_type_names():
        model = model_for(record_type)
        columns = [c.key for c in model.__table__.columns]
        n = 0
        with (out / f"{record_type}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([*columns, *MARKING_COLUMNS])
            for record in rows(record_type):
                values = record_as_dict(record)
                cells = [cell_text(safe_cell(values.get(c))) for c in columns]
                writer.writerow([*cells, *marking_cells(marks.get(record_type, record.id))])
                n += 1
        counts[record_type] = n
    stmt = (
        select(CaseStatusChange)
        .where(CaseStatusChange.case_id.in_(cases))
        .order_by(CaseStatusChange.case_id, CaseStatusChange.id)
    )
    columns = [c.key for c in CaseStatusChange.__table__.columns]
    with (out / "case_status_history.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        n = 0
        for change in session.execute(stmt).scalars():
            if marks.blocked("case", change.case_id):
                continue
            writer.writerow([cell_text(safe_cell(getattr(change, c))) for c in columns])
            n += 1
    counts["case_status_history"] = n
    return counts


def ftm_id(record_type: str, record_id: int) -> str:
    """Return the FtM id of a record: this node's jurisdiction, type and row id (xk-person-12)."""
    return f"{get_settings().jurisdiction.lower()}-{record_type}-{record_id}"


def _props(**values: Any) -> dict[str, list[str]]:
    props: dict[str, list[str]] = {}
    for key, value in values.items():
        items = value if isinstance(value, list) else [value]
        texts = [cell_text(v) for v in items if v not in (None, "", [])]
        if texts:
            props[key] = list(dict.fromkeys(texts))
    return props


def _join(*parts: Any) -> str | None:
    text = " ".join(str(p) for p in parts if p)
    return text or None


def ftm_entity(record_type: str, r: Any) -> dict[str, Any] | None:
    """Return the FtM entity of a record, or None for types without an FtM schema."""
    schema = FTM_SCHEMA.get(record_type)
    if schema is None:
        return None
    common = {
        "country": r.jurisdiction.lower(),
        "notes": f"handling code {r.handling_code}; source {r.source_ref or '-'}",
        "createdAt": r.created_at,
        "modifiedAt": r.updated_at,
    }
    p: dict[str, Any]
    if record_type == "person":
        p = dict(
            name=_join(r.given_name, r.family_name),
            firstName=r.given_name,
            lastName=r.family_name,
            fatherName=r.father_name,
            alias=r.name_variants or [],
            gender=_GENDER.get(r.sex or ""),
            birthDate=r.birth_date,
            birthPlace=r.birth_place,
            nationality=(r.nationality or "").lower() or None,
        )
    elif record_type == "vehicle":
        p = dict(
            name=r.plate_raw or r.vin,
            registrationNumber=[r.plate_raw, r.plate_normalised],
            model=_join(r.make, r.model),
            description=_join(r.colour, f"VIN {r.vin}" if r.vin else None),
        )
        if r.registration_country:
            common["country"] = r.registration_country.lower()
    elif record_type == "phone":
        p = dict(username=r.e164 or r.number_raw, service="phone", number=r.e164 or r.number_raw)
    elif record_type == "online_account":
        p = dict(username=r.handle or r.url, service=r.platform, sourceUrl=r.url)
    elif record_type == "organisation":
        p = dict(name=r.name, classification=r.kind)
    elif record_type == "case":
        p = dict(
            name=r.title or r.reference,
            caseNumber=[r.reference, r.court_reference],
            type=r.kind,
            status=r.status,
            fileDate=r.opened_on,
            summary=r.summary,
        )
    elif record_type == "event":
        p = dict(name=_join(r.kind, r.occurred_on), date=r.occurred_on, summary=r.description)
    elif record_type == "place":
        p = dict(full=r.name, city=r.municipality, latitude=r.latitude, longitude=r.longitude)
        if r.country:
            common["country"] = r.country.lower()
    elif record_type == "intel_report":
        p = dict(
            description=r.text,
            summary=f"grading {r.source_grade}{r.information_grade}",
            date=r.reported_on,
        )
    else:  # items: firearm, ammunition, explosive, component
        p = _item_props(record_type, r)
    return {"id": ftm_id(record_type, r.id), "schema": schema, "properties": _props(**p, **common)}


def _item_props(record_type: str, r: Any) -> dict[str, Any]:
    if record_type == "firearm":
        serial = f"serial {r.serial_raw}" if r.serial_raw else None
        return dict(
            name=_join(r.make, r.model, serial) or f"firearm {r.id}",
            description=_join(r.kind, r.calibre_normalised or r.calibre, r.category),
            keywords=[r.serial_normalised, r.calibre_normalised, r.status],
        )
    if record_type == "ammunition":
        return dict(name=_join(r.quantity, "rounds", r.calibre), description=r.projectile)
    if record_type == "explosive":
        return dict(name=_join(r.quantity, r.kind, r.model), description=r.weight_kg)
    return dict(name=_join(r.kind, r.fits_make, r.fits_model), description=r.serial_raw)


def _link_entity(link: Any) -> dict[str, Any]:
    schema, src, dst = _LINK_SCHEMA.get(link.kind, ("UnknownLink", "subject", "object"))
    if link.kind == "associate_of" and not (link.from_type == link.to_type == "person"):
        schema, src, dst = "UnknownLink", "subject", "object"
    props = {
        src: ftm_id(link.from_type, link.from_id),
        dst: ftm_id(link.to_type, link.to_id),
        "role": _join(link.kind, f"({link.role})" if link.role else None),
        "startDate": link.valid_from,
        "endDate": link.valid_to,
    }
    return {"id": ftm_id("link", link.id), "schema": schema, "properties": _props(**props)}


def _ftm_marked(entity: dict[str, Any], mark: Marking | None) -> dict[str, Any]:
    """Add a foreign record's marking to its FtM entity: publisher, retrieval date and notice."""
    if mark is None:
        return entity
    props = entity["properties"]
    props["publisher"] = [mark.provider]
    props["retrievedAt"] = [mark.received_at.isoformat()]
    notice = f"{mark.handling_code} {mark.grades}: {mark.notice % mark.notice_args}"
    props["notes"] = [*props.get("notes", []), notice]
    return entity


def _export_ftm(
    session: Session, out: Path, rows: Callable[[str], Iterator[Any]], marks: ExportMarks
) -> dict[str, int]:
    counts: dict[str, int] = {}
    with (out / FTM_FILE).open("w", encoding="utf-8") as handle:
        for record_type in [*FTM_SCHEMA, "link"]:
            n = 0
            for record in rows(record_type):
                entity = (
                    _link_entity(record)
                    if record_type == "link"
                    else ftm_entity(record_type, record)
                )
                if entity is None:
                    continue
                entity = _ftm_marked(entity, marks.get(record_type, record.id))
                handle.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
                n += 1
            counts[record_type] = n
    return counts
