"""Helpers for import tests: write exports in a given encoding, count stored records."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

PROFILES = Path(__file__).parent / "profiles"
PERSONS = PROFILES / "test-persons.yaml"
CASES = PROFILES / "test-cases.yaml"
PERSON_HEADER = [
    "ID_PERSONI",
    "EMRI",
    "MBIEMRI",
    "EMRI_BABAIT",
    "DATELINDJA",
    "GJINIA",
    "EMRI_2",
    "TELEFONI",
    "NR_RASTIT",
    "ROLI",
]
CASE_HEADER = [
    "NR_RASTIT",
    "SHTETI",
    "LLOJI",
    "DATA",
    "STATUSI",
    "PRODHUESI",
    "SERIA",
    "KALIBRI",
    "TARGA",
]


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[object]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ";",
) -> Path:
    """Write a CSV export the way a police system would (given encoding and delimiter)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """Write an XLSX export with the header in the first row."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def count(session: Session, model: type) -> int:
    """Return the number of stored rows of a model."""
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def snapshot(session: Session, *models: type) -> dict[str, int]:
    """Return row counts of several models (to compare the store before and after)."""
    return {m.__name__: count(session, m) for m in models}


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.openxmlformats'
    '.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 1-based column number (1 -> A, 27 -> AA)."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_xml(ref: str, value: object) -> str:
    """One `<c>` element: a number, inline text, or a raw element given as ('xml', text)."""
    if isinstance(value, tuple):
        return value[1].format(ref=ref)
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def rows_xml(rows: list[list[object]], *, start: int = 1) -> str:
    """The `<row>` elements of rows of values (None leaves a cell out, as Excel does)."""
    out = []
    for number, row in enumerate(rows, start=start):
        cells = "".join(
            cell_xml(f"{column_letter(col)}{number}", value)
            for col, value in enumerate(row, start=1)
            if value is not None
        )
        out.append(f'<row r="{number}">{cells}</row>')
    return "".join(out)


def raw_xlsx(
    path: Path,
    rows: list[list[object]] | None = None,
    *,
    dimension: str | None = None,
    sheet_data: str | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """Write an XLSX workbook by hand: one sheet of `rows` (or raw `sheet_data` XML).

    `dimension` is written as the sheet's `<dimension ref=...>`, true or not, the way some
    exporting systems write it.
    """
    data = sheet_data if sheet_data is not None else rows_xml(rows or [])
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = f"{SHEET_START}{dim}<sheetData>{data}</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def run_cli(
    args: list[str], tmp_path: Path, url: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `armsbridge ARGS` in a child process on the store `url`, as `cli-analyst`."""
    environ = {**os.environ, "ARMSBRIDGE_DATABASE_URL": url, "ARMSBRIDGE_VAR_DIR": str(tmp_path)}
    environ["ARMSBRIDGE_USER"] = "cli-analyst"
    environ["COLUMNS"] = "250"  # keep Rich from wrapping the lines the tests read
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "armsbridge.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )
