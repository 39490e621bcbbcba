"""Link two files an analyst brings (CSV or XLSX): map columns to roles, score, write pairs."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from armsbridge.errors import UserError
from armsbridge.imports.readers import open_table
from armsbridge.matching.config import duckdb_connection, engine_settings
from armsbridge.matching.engine import link_tables
from armsbridge.matching.prepare import table_from_rows
from armsbridge.matching.rows import associates_by_case

ROLES = (
    "given_name",
    "family_name",
    "father_name",
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "birth_place",
    "address",
    "city",
    "postcode",
    "region",
    "phone",
    "id_number",
    "case",
)
NAME_ROLES = ("given_name", "family_name", "full_name")
DEFAULT_ID_COLUMNS = ("id", "rec_id", "unique_id")


@dataclass
class FieldSpec:
    """One role mapped to one or more columns (joined with a space), with an optional format."""

    role: str
    columns: list[str]
    fmt: str | None = None


@dataclass
class Mapping:
    """The roles of one file."""

    fields: dict[str, FieldSpec] = field(default_factory=dict)


def parse_field(spec: str) -> FieldSpec:
    """Parse ROLE=COL[+COL...][:FORMAT]; an unknown role or empty column is a UserError."""
    if "=" not in spec:
        raise UserError(f"--field {spec!r}: expected ROLE=COL[+COL...][:FORMAT]")
    role, rest = spec.split("=", 1)
    role = role.strip()
    if role not in ROLES:
        raise UserError(f"--field {spec!r}: unknown role {role!r}; roles are {', '.join(ROLES)}")
    fmt = None
    if ":" in rest:
        rest, fmt = rest.split(":", 1)
        if role != "birth_date":
            raise UserError(f"--field {spec!r}: only birth_date takes a :FORMAT")
        try:
            datetime(2000, 1, 2).strftime(fmt)
        except ValueError as exc:
            raise UserError(f"--field {spec!r}: bad date format {fmt!r}: {exc}") from exc
    columns = [c.strip() for c in rest.split("+")]
    if not all(columns):
        raise UserError(f"--field {spec!r}: a column name is empty")
    return FieldSpec(role, columns, fmt or None)


def build_mapping(common: list[str], side: list[str]) -> Mapping:
    """Return the roles of one file: the shared --field specs, overridden by its own."""
    mapping = Mapping()
    for spec in common + side:
        parsed = parse_field(spec)
        mapping.fields[parsed.role] = parsed
    return mapping


def _default_mapping(header: list[str]) -> Mapping:
    return Mapping({r: FieldSpec(r, [r]) for r in ROLES if r in header})


def _parse_birth_date(value: Any, fmt: str | None, where: str) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if fmt:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            raise UserError(f"{where}: birth date {text!r} does not match format {fmt!r}") from None
        return parsed.date().isoformat()
    from armsbridge.vocab.values import parse_partial_date

    try:
        return parse_partial_date(text, field="birth_date")
    except Exception:  # noqa: BLE001 - the vocab error is reworded with row and column
        raise UserError(
            f"{where}: birth date {text!r} is not a date (expected dd.mm.yyyy, yyyy-mm-dd, "
            "mm.yyyy or yyyy, or give a format: --field birth_date=COL:%d/%m/%Y)"
        ) from None


def read_side(path: Path, id_column: str | None, mapping: Mapping | None) -> list[dict[str, Any]]:
    """Read one file into rows of roles; missing columns and duplicate ids are UserErrors."""
    table = open_table(path)
    header = table.header
    if id_column is None:
        found = [c for c in DEFAULT_ID_COLUMNS if c in header]
        if not found:
            raise UserError(
                f"{path}: no id column (looked for {', '.join(DEFAULT_ID_COLUMNS)}); "
                f"name one with --id-left/--id-right. Columns: {', '.join(header)}"
            )
        id_column = found[0]
    elif id_column not in header:
        raise UserError(f"{path}: id column {id_column!r} not found. Columns: {', '.join(header)}")
    mapping = mapping if mapping and mapping.fields else _default_mapping(header)
    for spec in mapping.fields.values():
        for col in spec.columns:
            if col not in header:
                raise UserError(
                    f"{path}: column {col!r} (role {spec.role}) not found. "
                    f"Columns: {', '.join(header)}"
                )
    if not any(r in mapping.fields for r in NAME_ROLES):
        raise UserError(
            f"{path}: no name column mapped; map given_name and family_name, or full_name, "
            "e.g. --field given_name=first --field family_name=last"
        )
    rows, seen = [], set()
    for number, values in table.rows:
        uid = values.get(id_column)
        if uid in (None, ""):
            raise UserError(f"{path}, row {number}: id column {id_column!r} is empty")
        uid = str(uid).strip()
        if uid in seen:
            raise UserError(f"{path}, row {number}: id {uid!r} appears twice")
        seen.add(uid)
        row: dict[str, Any] = {"unique_id": uid}
        for role, spec in mapping.fields.items():
            parts = [values.get(c) for c in spec.columns]
            if role == "birth_date" and len(parts) == 1:
                where = f"{path}, row {number}, column {spec.columns[0]!r}"
                row[role] = _parse_birth_date(parts[0], spec.fmt, where)
                continue
            # Several phone or case columns are several of them; others' columns make one text.
            sep = ";" if role in ("phone", "case") else " "
            text = sep.join(str(p).strip() for p in parts if p not in (None, ""))
            if role == "birth_date":
                where = f"{path}, row {number}, columns {'+'.join(spec.columns)!r}"
                row[role] = _parse_birth_date(text, spec.fmt, where)
            else:
                row[role] = text or None
        rows.append(row)
    _cases_to_associates(rows)
    return rows


def _cases_to_associates(rows: list[dict[str, Any]]) -> None:
    """Give each row the ids of the other rows of its cases (references split on ';' or ',')."""
    refs = [
        (ref.strip(), row["unique_id"])
        for row in rows
        for ref in (row.pop("case", None) or "").replace(",", ";").split(";")
        if ref.strip()
    ]
    by_id = {row["unique_id"]: row for row in rows}
    for uid, others in associates_by_case(refs).items():
        by_id[uid]["associates"] = ";".join(others) or None


def link_files(
    left: Path,
    right: Path,
    out: Path,
    *,
    id_left: str | None = None,
    id_right: str | None = None,
    fields: list[str] | None = None,
    fields_left: list[str] | None = None,
    fields_right: list[str] | None = None,
    threshold: float = 0.5,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Link two person files and write left_id,right_id,probability; return the pair count."""
    if not 0.0 <= threshold <= 1.0:
        raise UserError(f"--threshold {threshold}: expected a probability between 0 and 1")
    common = fields or []
    map_left = build_mapping(common, fields_left or [])
    map_right = build_mapping(common, fields_right or [])
    say = progress or (lambda _m: None)
    say(f"reading {left}")
    rows_left = read_side(left, id_left, map_left)
    say(f"reading {right}")
    rows_right = read_side(right, id_right, map_right)
    con = duckdb_connection(engine_settings())
    table_from_rows(con, "left_file", "person", rows_left)
    table_from_rows(con, "right_file", "person", rows_right)
    result = link_tables(
        con,
        "person",
        ["left_file", "right_file"],
        threshold=threshold,
        progress=say,
        evidence_columns=False,
    )
    pairs = result.pairs(threshold)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["left_id", "right_id", "probability"])
        for a, b, p in pairs:
            writer.writerow([a, b, f"{p:.6f}"])
    con.close()
    return len(pairs)
