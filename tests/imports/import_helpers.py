"""Helpers for import tests: write exports in a given encoding, count stored records."""

from __future__ import annotations

import csv
import io
from pathlib import Path

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
