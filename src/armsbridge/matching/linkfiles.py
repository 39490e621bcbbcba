"""Link two files an analyst brings (CSV or XLSX): map columns to roles, score, write pairs."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from armsbridge.errors import UserError
from armsbridge.i18n_marker import N_
from armsbridge.imports.mapping import Source
from armsbridge.imports.readers import open_table
from armsbridge.matching.config import duckdb_connection, engine_settings
from armsbridge.matching.engine import link_tables
from armsbridge.matching.prepare import normalise_phone, table_from_rows
from armsbridge.matching.rows import associates_by_case
from armsbridge.matching.schemas import ROLES, LinkSide, link_mapping
from armsbridge.spreadsheet import safe_cell
from armsbridge.vocab.values import parse_partial_date

NAME_ROLES = ("given_name", "family_name", "full_name")
DEFAULT_ID_COLUMNS = ("id", "rec_id", "unique_id")


def _default_roles(header: list[str]) -> dict[str, Source]:
    return {r: Source(column=r) for r in ROLES if r in header}


DATE_EXPECTED = (
    "a date (dd.mm.yyyy, yyyy-mm-dd, mm.yyyy or yyyy, or give a format: "
    "--field birth_date=COL:%d/%m/%Y)"
)
# Day, month and year of a date as written, in the usual orders, when it does not parse.
_WRITTEN_DATES = (
    re.compile(r"(?P<d>\d{1,2})\D(?P<m>\d{1,2})\D(?P<Y>\d{4})"),
    re.compile(r"(?P<Y>\d{4})\D(?P<m>\d{1,2})\D(?P<d>\d{1,2})"),
    re.compile(r"(?P<Y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
)
_FORMAT_PARTS = {"%Y": r"(?P<Y>\d{4})", "%m": r"(?P<m>\d{1,2})", "%d": r"(?P<d>\d{1,2})"}
MAX_EXAMPLES = 5
PHONE_EXPECTED = "a phone number (+389 70 123 456, 070 123 456, 044 123 456)"


@dataclass
class BadValues:
    """Values that did not parse, per column: kept as text for fuzzy comparison, else missing."""

    strict: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, where: str, column: str, row: int, value: Any, expected: str) -> None:
        """Count one bad value (an error at once when strict)."""
        if self.strict:
            raise UserError(
                N_(
                    "%(where)s, row %(row)s, column %(column)s: %(value)r is not %(expected)s "
                    "(without --strict such a value is kept as text and reported)"
                ),
                values={
                    "where": where,
                    "row": row,
                    "column": column,
                    "value": value,
                    "expected": expected,
                },
            )
        key = f"{where}: {column}"
        self.counts[key] = self.counts.get(key, 0) + 1
        shown = self.examples.setdefault(key, [])
        if len(shown) < MAX_EXAMPLES:
            shown.append({"row": row, "value": str(value), "expected": expected})

    def summary(self) -> list[dict[str, Any]]:
        """One entry per file and column: how many values were bad, and the first of them."""
        return [
            {"column": key, "count": n, "examples": self.examples[key]}
            for key, n in self.counts.items()
        ]


@dataclass
class LinkReport:
    """What a `link` run did: pairs written, values that did not parse, how it blocked and
    trained."""

    pairs: int
    bad_values: list[dict[str, Any]]
    model: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {"pairs": self.pairs, "bad_values": self.bad_values, **self.model}


def written_date(text: str, fmt: str | None) -> str | None:
    """Return yyyymmdd of a date as written (not checked: 19450493 stays), or its digits."""
    patterns = list(_WRITTEN_DATES)
    if fmt:
        pattern = re.escape(fmt)
        for code, part in _FORMAT_PARTS.items():
            pattern = pattern.replace(re.escape(code), part)
        patterns.insert(0, re.compile(pattern))
    for pattern in patterns:
        match = pattern.fullmatch(text.strip())
        if match and {"Y", "m", "d"} <= set(match.groupdict()):
            return match["Y"] + match["m"].zfill(2) + match["d"].zfill(2)
    return re.sub(r"\D", "", text) or None


def _parse_birth_date(value: Any, source: Source) -> tuple[str | None, str | None]:
    """Return (ISO partial date, None), or (None, the date as written) when it does not parse."""
    if value in (None, ""):
        return None, None
    if isinstance(value, datetime):
        return value.date().isoformat(), None
    if isinstance(value, date):
        return value.isoformat(), None
    text = str(value).strip()
    try:
        if source.format:
            return source.parse_date(text).isoformat(), None
        return parse_partial_date(text, field="birth_date"), None
    except Exception:  # noqa: BLE001 - any parse failure is a bad value, reported by the caller
        return None, written_date(text, source.format)


def _parse_birth_year(value: Any) -> str | None:
    text = str(value).strip()
    return text if re.fullmatch(r"1[89]\d\d|20\d\d", text) else None


def read_side(
    path: Path, side: LinkSide, roles: dict[str, Source], bad: BadValues | None = None
) -> list[dict[str, Any]]:
    """Read one file into rows of roles; missing columns and duplicate ids are UserErrors.

    A value that does not parse (a birth date 19450493, a birth year "abt") goes to `bad`.
    """
    bad = bad if bad is not None else BadValues()
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
                N_(
                    "%(path)s: no id column (looked for %(value)s); name one with "
                    "--id-left/--id-right. Columns: %(value2)s"
                ),
                values={
                    "path": path,
                    "value": ", ".join(DEFAULT_ID_COLUMNS),
                    "value2": ", ".join(header),
                },
            )
        id_column = found[0]
    elif id_column not in header:
        raise UserError(
            N_("%(path)s: id column %(id_column)r not found. Columns: %(value)s"),
            values={"path": path, "id_column": id_column, "value": ", ".join(header)},
        )
    roles = roles or _default_roles(header)
    for role, source in roles.items():
        for col in source.referenced_columns():
            if col not in header:
                raise UserError(
                    N_("%(path)s: column %(col)r (role %(role)s) not found. Columns: %(value)s"),
                    values={"path": path, "col": col, "role": role, "value": ", ".join(header)},
                )
    if not any(r in roles for r in NAME_ROLES):
        raise UserError(
            N_(
                "%(path)s: no name column mapped; map given_name and family_name, or "
                "full_name, e.g. --field given_name=first --field family_name=last"
            ),
            values={"path": path},
        )
    rows, seen = [], set()
    for number, values in table.rows:
        uid = values.get(id_column)
        if uid in (None, ""):
            raise UserError(
                N_("%(path)s, row %(number)s: id column %(id_column)r is empty"),
                values={"path": path, "number": number, "id_column": id_column},
            )
        uid = str(uid).strip()
        if uid in seen:
            raise UserError(
                N_("%(path)s, row %(number)s: id %(uid)r appears twice"),
                values={"path": path, "number": number, "uid": uid},
            )
        seen.add(uid)
        row: dict[str, Any] = {"unique_id": uid}
        for role, source in roles.items():
            value = source.extract(values)
            if isinstance(value, list):
                # Several phone or case columns are several of them; others' make one text.
                sep = ";" if role in ("phone", "case") else " "
                value = sep.join(str(p).strip() for p in value)
            cols = ", ".join(repr(c) for c in source.referenced_columns())
            if role == "birth_date":
                row[role], row["birth_date_text"] = _parse_birth_date(value, source)
                if row[role] is None and value not in (None, ""):
                    expected = f"a date in {source.format!r}" if source.format else DATE_EXPECTED
                    bad.add(str(path), cols, number, value, expected)
            elif role == "phone" and value not in (None, ""):
                row[role] = str(value).strip()
                for part in re.split(r"[;,]", row[role]):
                    if part.strip() and not normalise_phone(part).startswith("+"):
                        bad.add(str(path), cols, number, part.strip(), PHONE_EXPECTED)
            elif role == "birth_year" and value not in (None, ""):
                row[role] = _parse_birth_year(value)
                if row[role] is None:
                    bad.add(str(path), cols, number, value, "a year such as 1986")
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
    strict: bool = False,
    max_pairs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> LinkReport:
    """Link two person files and write left_id,right_id,probability; return the run's report.

    `mapping` is a link mapping file; the `--field` options and ids add to it, role by role.
    Values that do not parse are reported, not fatal, unless `strict`.
    """
    if not 0.0 <= threshold <= 1.0:
        raise UserError(
            N_("--threshold %(threshold)s: expected a probability between 0 and 1"),
            values={"threshold": threshold},
        )
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
    bad = BadValues(strict=strict)
    rows_left = read_side(left, plan.left, plan.roles("left"), bad)
    say(f"reading {right}")
    rows_right = read_side(right, plan.right, plan.roles("right"), bad)
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
        max_pairs=max_pairs,
    )
    pairs = result.pairs(threshold)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed: a run stopped half-way leaves no half-written pairs file.
    partial = out.with_name(f".{out.name}.partial")
    with partial.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["left_id", "right_id", "probability"])
        for a, b, p in pairs:
            writer.writerow([safe_cell(a), safe_cell(b), f"{p:.6f}"])
    partial.replace(out)
    con.close()
    return LinkReport(pairs=len(pairs), bad_values=bad.summary(), model=result.report())
