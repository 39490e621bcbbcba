"""Read CSV and XLSX exports as rows of {column: value}, detecting the text encoding."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from armsbridge.errors import UserError

# The encodings police exports come in: UTF-8, Windows-1251 (Macedonian and Serbian Cyrillic),
# Windows-1250 (Albanian and Serbian Latin with ë ç š đ ž).
_DELIMITERS = ",;\t|"
_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass
class Table:
    """An opened export: its header, an estimate of the row count, and the rows."""

    header: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]  # (row number as the user sees it, values)
    total: int | None
    encoding: str | None


def detect_encoding(data: bytes) -> str:
    """Return the codec of `data`: UTF-8 when it decodes, else Windows-1251 or -1250."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Read as Windows-1251, a Cyrillic export gives words wholly in Cyrillic, while a Latin
    # (Windows-1250) export gives words that mix ASCII letters with stray Cyrillic ones
    # ("Përparim" reads "Pлrparim"). Word shape decides even for a single short name, where
    # statistical detectors guess (five letters of "Ќирил" read as Windows-1250 "Ťčđčë").
    pure = mixed = 0
    for word in _WORD.findall(data.decode("cp1251", errors="replace")):
        if not _CYRILLIC.search(word):
            continue
        if _LATIN.search(word):
            mixed += 1
        else:
            pure += 1
    return "cp1251" if pure > mixed else "cp1250"


def open_table(
    path: Path,
    *,
    encoding: str = "auto",
    delimiter: str | None = None,
    sheet: str | None = None,
    header_row: int = 1,
) -> Table:
    """Open a CSV or XLSX file per its extension; a file that cannot be read is a UserError."""
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path, sheet=sheet, header_row=header_row)
    if suffix in (".csv", ".txt", ".tsv"):
        return _open_csv(path, encoding=encoding, delimiter=delimiter, header_row=header_row)
    raise UserError(f"{path}: expected a .csv or .xlsx file")


def _open_csv(path: Path, *, encoding: str, delimiter: str | None, header_row: int) -> Table:
    data = path.read_bytes()
    codec = detect_encoding(data) if encoding == "auto" else encoding
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UserError(f"{path}: cannot be read as {codec}: {exc}") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    if delimiter is None:
        delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    for _ in range(header_row):
        header = next(reader, None)
    if not header:
        raise UserError(f"{path}: no header row (row {header_row} is empty or missing)")
    names = [h.strip() for h in header]
    _check_header(path, names)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        number = header_row
        for cells in reader:
            number += 1
            if not "".join(cells).strip():
                continue
            values: dict[str, Any] = dict(zip(names, cells, strict=False))
            if len(cells) > len(names):
                values["\x00extra"] = cells[len(names) :]
            yield number, values

    total = max(text.count("\n") - header_row + 1, 0)
    return Table(names, rows(), total, codec)


def _sniff(text: str) -> str:
    sample = text[:20000]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max(_DELIMITERS, key=first.count)


def _check_header(path: Path, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise UserError(f"{path}: column {name!r} appears twice in the header")
        seen.add(name)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date()
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, date):
        return value
    return value


def _open_xlsx(path: Path, *, sheet: str | None, header_row: int) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise UserError(f"{path}: not a readable XLSX workbook ({exc})") from exc
    if sheet is not None and sheet not in workbook.sheetnames:
        raise UserError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(workbook.sheetnames)})")
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    it = ws.iter_rows(min_row=header_row, values_only=True)
    header = next(it, None)
    if not header or not any(h is not None for h in header):
        workbook.close()
        raise UserError(f"{path}: no header row (row {header_row} is empty)")
    names = ["" if h is None else str(h).strip() for h in header]
    _check_header(path, names)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for number, cells in enumerate(it, start=header_row + 1):
                if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    continue
                values = {n: _cell(c) for n, c in zip(names, cells, strict=False) if n}
                yield number, values
        finally:
            workbook.close()

    total = (ws.max_row - header_row) if ws.max_row else None
    return Table(names, rows(), total, None)
