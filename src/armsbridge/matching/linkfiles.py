"""Link two files an analyst brings (CSV or XLSX): map columns to roles, score, write pairs."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from armsbridge.errors import UserError
from armsbridge.imports.mapping import Source
from armsbridge.imports.readers import open_table
from armsbridge.matching.config import duckdb_connection, engine_settings
from armsbridge.matching.engine import link_tables
from armsbridge.matching.prepare import table_from_rows
from armsbridge.matching.rows import associates_by_case
from armsbridge.matching.schemas import ROLES, LinkSide, link_mapping
from armsbridge.spreadsheet import safe_cell

NAME_ROLES = ("given_name", "family_name", "full_name")
DEFAULT_ID_COLUMNS = ("id", "rec_id", "unique_id")


def _default_roles(header: list[str]) -> dict[str, Source]:
    return {r: Source(column=r) for r in ROLES if r in header}


def _parse_birth_date(value: Any, source: Source, where: str) -> str | None:
    fmt = source.format
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if fmt:
        try:
            return source.parse_date(text).isoformat()
        except ValueError:
            raise UserError(f"{where}: birth date {text!r} does not match format {fmt!r}") from None
    from armsbridge.vocab.values import parse_partial_date

    try:
        return parse_partial_date(text, field="birth_date")
    except Exception:  # noqa: BLE001 - the vocab error is reworded with row and column
        raise UserError(
            f"{where}: birth date {text!r} is not a date (expected dd.mm.yyyy, yyyy-mm-dd, "
            "mm.yyyy or yyyy, or give a format: --field birth_date=COL:%d/%m/%Y)"
        ) from None


def read_side(path: Path, side: LinkSide, roles: dict[str, Source]) -> list[dict[str, Any]]:
    """Read one file into rows of roles; missing columns and duplicate ids are UserErrors."""
    fmt = side.format
    table = open_table(
        path,
        encoding=fmt.encoding,
        delimiter=fmt.delimiter,
        sheet=fmt.sheet,
        header_row=fmt.header_row,
    )
    header = table.header
    id_column = side.id
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
    roles = roles or _default_roles(header)
    for role, source in roles.items():
        for col in source.referenced_columns():
            if col not in header:
                raise UserError(
                    f"{path}: column {col!r} (role {role}) not found. Columns: {', '.join(header)}"
                )
    if not any(r in roles for r in NAME_ROLES):
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
        for role, source in roles.items():
            value = source.extract(values)
            if isinstance(value, list):
                # Several phone or case columns are several of them; others' make one text.
                sep = ";" if role in ("phone", "case") else " "
                value = sep.join(str(p).strip() for p in value)
            if role == "birth_date":
                cols = ", ".join(repr(c) for c in source.referenced_columns())
                where = f"{path}, row {number}, column {cols}"
                row[role] = _parse_birth_date(value, source, where)
            elif value is None or isinstance(value, str):
                row[role] = (value or "").strip() or None
            else:
                row[role] = str(value).strip() or None
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
    mapping: Path | None = None,
    id_left: str | None = None,
    id_right: str | None = None,
    fields: list[str] | None = None,
    fields_left: list[str] | None = None,
    fields_right: list[str] | None = None,
    threshold: float = 0.5,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Link two person files and write left_id,right_id,probability; return the pair count.

    `mapping` is a link mapping file; the `--field` options and ids add to it, role by role.
    """
    if not 0.0 <= threshold <= 1.0:
        raise UserError(f"--threshold {threshold}: expected a probability between 0 and 1")
    plan = link_mapping(
        mapping,
        fields=fields,
        fields_left=fields_left,
        fields_right=fields_right,
        id_left=id_left,
        id_right=id_right,
    )
    say = progress or (lambda _m: None)
    say(f"reading {left}")
    rows_left = read_side(left, plan.left, plan.roles("left"))
    say(f"reading {right}")
    rows_right = read_side(right, plan.right, plan.roles("right"))
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
            writer.writerow([safe_cell(a), safe_cell(b), f"{p:.6f}"])
    con.close()
    return len(pairs)
