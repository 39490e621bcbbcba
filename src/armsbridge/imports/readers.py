"""Read CSV and XLSX exports as rows of {column: value}, detecting the text encoding.

Every row is read, whatever the file claims about its size; a file that cannot be read, or is
past a limit (settings `import_max_*`), is a UserError naming the file, the row and the limit.
Problems of one row (a short row, a NUL character, a formula with no saved value) travel with
the row under ROW_PROBLEMS, so the row is quarantined with its reasons and never lost.
"""

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
from armsbridge.i18n_marker import N_, Phrase
from armsbridge.imports.limits import (
    EXTRA_CELLS,
    ROW_PROBLEMS,
    FileLimits,
    cell_too_long,
    check_cell,
    check_columns,
    check_file_size,
    check_rows,
)
from armsbridge.imports.xlsx import Sheet, cell_problem, check_archive
from armsbridge.spreadsheet import unquote_cell

# The encodings police exports come in: UTF-8, Windows-1251 (Macedonian and Serbian Cyrillic),
# Windows-1250 (Albanian and Serbian Latin with ë ç š đ ž).
_DELIMITERS = ",;\t|"
_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")
_ZIP_MAGIC = b"PK\x03\x04"
NUL = "\x00"


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
    limits: FileLimits | None = None,
) -> Table:
    """Open a CSV or XLSX file per its extension; a file that cannot be read is a UserError."""
    if not path.is_file():
        raise UserError(N_("%(path)s: no such file"), values={"path": path})
    limits = limits or FileLimits.of()
    check_file_size(path.name, path.stat().st_size, limits)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path, sheet=sheet, header_row=header_row, limits=limits)
    if suffix in (".csv", ".txt", ".tsv"):
        return _open_csv(
            path, encoding=encoding, delimiter=delimiter, header_row=header_row, limits=limits
        )
    raise UserError(N_("%(path)s: expected a .csv or .xlsx file"), values={"path": path})


Problem = tuple[str, Any, str]  # (column, value, what was expected)


def _nul_problem(column: str, value: str) -> Problem:
    return (
        column,
        value,
        "text without a NUL character (\\x00): the export wrote binary data into this cell; "
        "export the file again or delete the character",
    )


def _open_csv(
    path: Path, *, encoding: str, delimiter: str | None, header_row: int, limits: FileLimits
) -> Table:
    where = path.name
    data = path.read_bytes()
    if data.startswith(_ZIP_MAGIC):
        raise UserError(
            N_("%(where)s: this is an XLSX workbook (a ZIP archive), not CSV text; name it .xlsx"),
            values={"where": where},
        )
    codec = detect_encoding(data) if encoding == "auto" else encoding
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UserError(
            N_("%(path)s: cannot be read as %(codec)s: %(exc)s"),
            values={"path": path, "codec": codec, "exc": exc},
        ) from exc
    del data
    if text.startswith("\ufeff"):
        text = text[1:]
    if delimiter is None:
        delimiter = _sniff(text)
    # The csv module's own field limit is process-wide; raise it (never lower it) so that the
    # cell limit below is the one a user meets, with its message.
    if csv.field_size_limit() <= limits.max_cell_chars:
        csv.field_size_limit(limits.max_cell_chars + 1)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except (TypeError, csv.Error) as exc:
        raise UserError(
            N_("%(where)s: delimiter %(delimiter)r cannot be used (%(exc)s)"),
            values={"where": where, "delimiter": delimiter, "exc": exc},
        ) from exc

    def record(number: int) -> list[str] | None:
        try:
            return next(reader, None)
        except csv.Error as exc:
            if "field limit" in str(exc):
                what = Phrase(
                    N_("a cell longer than %(count)s characters"),
                    {"count": f"{limits.max_cell_chars:,}"},
                )
                at = Phrase(N_("%(where)s, row %(row)s"), {"where": where, "row": number})
                raise cell_too_long(at, what, limits) from exc
            raise UserError(
                N_("%(where)s, row %(row)s: not CSV the reader can follow (%(exc)s)"),
                values={"where": where, "row": number, "exc": exc},
            ) from exc

    header: list[str] | None = None
    for number in range(1, header_row + 1):
        header = record(number)
    if not header:
        raise UserError(
            N_("%(path)s: no header row (row %(header_row)s is empty or missing)"),
            values={"path": path, "header_row": header_row},
        )
    check_columns(where, len(header), limits)
    for cell in header:
        check_cell(f"{where}, row {header_row} (the header)", cell, limits)
        if NUL in cell:
            raise UserError(
                N_("%(where)s: the header holds a NUL character (\\x00); export it again"),
                values={"where": where},
            )
    names = [h.strip() for h in header]
    _check_header(path, names)
    # A row may leave out cells only under unnamed header cells at its end ("A;B;" has 3).
    needed = max((i + 1 for i, n in enumerate(names) if n), default=0)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        number, count = header_row, 0
        while (cells := record(number + 1)) is not None:
            number += 1
            if not "".join(cells).strip():
                continue
            count += 1
            check_rows(where, count, limits)
            cells = [unquote_cell(c) for c in cells]
            problems: list[Problem] = []
            for name, cell in zip(names, cells, strict=False):
                check_cell(f"{where}, row {number}, column {name}", cell, limits)
                if NUL in cell:
                    problems.append(_nul_problem(name, cell))
            values: dict[str, Any] = dict(zip(names, cells, strict=False))
            if len(cells) > len(names):
                extra = cells[len(names) :]
                for cell in extra:
                    check_cell(f"{where}, row {number}", cell, limits)
                values[EXTRA_CELLS] = extra
            elif len(cells) < needed:
                problems.append(
                    (
                        "",
                        f"{len(cells)} cells",
                        f"{len(names)} cells: row {number} has {len(cells)} cells, the header "
                        f"has {len(names)} (a line break outside quotes splits a row; write "
                        "empty cells as ;;)",
                    )
                )
            if problems:
                values[ROW_PROBLEMS] = problems
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
            raise UserError(
                N_("%(path)s: column %(name)r appears twice in the header"),
                values={"path": path, "name": name},
            )
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


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _open_xlsx(path: Path, *, sheet: str | None, header_row: int, limits: FileLimits) -> Table:
    where = path.name
    check_archive(path, limits)
    book = Sheet(path, sheet)
    parsed = book.rows()
    try:
        header = _xlsx_header(where, parsed, header_row, limits)
    except BaseException:
        book.close()
        raise
    names = ["" if h is None else str(h).strip() for h in header]
    _check_header(path, names)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        count = 0
        try:
            for number, cells in parsed:
                values, problems = _xlsx_values(where, number, cells, names, limits)
                if not problems and all(_blank(v) for v in values.values()):
                    continue
                count += 1
                check_rows(where, count, limits)
                if problems:
                    values[ROW_PROBLEMS] = problems
                yield number, values
        finally:
            book.close()

    total = (book.estimate - header_row) if book.estimate else None
    return Table(names, rows(), total, None)


def _xlsx_header(
    where: str, parsed: Iterator[tuple[int, list[Any]]], header_row: int, limits: FileLimits
) -> list[Any]:
    """The header row's values, up to its last non-empty cell."""
    for number, cells in parsed:
        if number < header_row:
            continue
        if number > header_row:
            break
        width = max((col for col, value, _t in cells if not _blank(value)), default=0)
        check_columns(where, width, limits)
        header: list[Any] = [None] * width
        for col, value, _type in cells:
            if col <= width:
                text = "" if value is None else str(value)
                check_cell(f"{where}, row {header_row} (the header)", text, limits)
                if NUL in text:
                    raise UserError(
                        N_("%(where)s: the header holds a NUL character; save it again"),
                        values={"where": where},
                    )
                header[col - 1] = value
        if width:
            return header
        break
    raise UserError(
        N_("%(where)s: no header row (row %(header_row)s is empty)"),
        values={"where": where, "header_row": header_row},
    )


def _xlsx_values(
    where: str, number: int, cells: list[Any], names: list[str], limits: FileLimits
) -> tuple[dict[str, Any], list[Problem]]:
    """A row's {column: value}, with cells past the header and per-row problems."""
    values: dict[str, Any] = dict.fromkeys((n for n in names if n), None)
    problems: list[Problem] = []
    extra: list[Any] = []
    for col, value, data_type in cells:
        name = names[col - 1] if col <= len(names) else ""
        if data_type == "e" or value is None:
            problem = cell_problem(number, col, value, data_type)
            if problem:
                problems.append((name, *problem))
                continue
        elif value.__class__ is str:
            if len(value) > limits.max_cell_chars:
                check_cell(f"{where}, row {number}, column {name or col}", value, limits)
            if value[:1] == "'":
                value = unquote_cell(value)
            if NUL in value:
                problems.append(_nul_problem(name, value))
        if col > len(names):
            if not _blank(value):
                extra.append(_cell(value))
        elif name:
            values[name] = _cell(value)
    if extra:
        values[EXTRA_CELLS] = extra
    return values, problems
