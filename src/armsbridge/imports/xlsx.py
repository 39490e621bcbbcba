"""Read an XLSX sheet safely: ZIP bomb checks first, every row whatever the file claims.

openpyxl's read-only worksheet trusts the sheet's `<dimension ref="A1:N2"/>`: a file that
understates its size reads as two rows and the rest vanish. This module parses the sheet's rows
itself with openpyxl's own cell parser, so it reads every `<row>` there is, and it learns which
cells hold a formula whose value was never saved (openpyxl's data_only mode gives None for
them, which would import as an empty value). Formula and error cells are reported per row.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from armsbridge.errors import UserError
from armsbridge.i18n_marker import N_, Label, Phrase
from armsbridge.imports.limits import FileLimits, over_limit

_NO_VALUE = "formula-without-value"  # our data type of a formula cell with no cached value
_RATIO_FROM = 1 << 20  # parts smaller than this may compress as well as they like
_ADVICE = Label(
    N_("open it in Excel or LibreOffice and save it again as .xlsx, or export the data as CSV")
)

Cell = tuple[int, Any, str]  # (column number, value, openpyxl data type)


def check_archive(path: Path, limits: FileLimits) -> None:
    """Refuse a file that is no ZIP archive, or whose parts unpack too large (a ZIP bomb)."""
    where = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UserError(
            N_(
                "%(where)s: not an XLSX workbook, which is a ZIP archive (%(exc)s); a file "
                "cut off while copying, or another format renamed .xlsx, reads like this: "
                "%(advice)s"
            ),
            values={"where": where, "exc": exc, "advice": _ADVICE},
        ) from exc
    # zipfile never unpacks more than a part's declared size (it stops there and checks the
    # CRC), so the declared sizes bound what openpyxl will unpack.
    total = sum(p.file_size for p in parts)
    if total > limits.max_unpacked_bytes:
        raise over_limit(
            where,
            Phrase(N_("the workbook unpacks to %(count)s bytes"), {"count": f"{total:,}"}),
            limits.max_unpacked_bytes,
            "import_max_unpacked_bytes",
            Label(N_("split the export into smaller files, or export CSV")),
        )
    for part in parts:
        if part.file_size < _RATIO_FROM:
            continue
        ratio = part.file_size / max(part.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise over_limit(
                where,
                Phrase(
                    N_(
                        "part %(part)s unpacks %(ratio)s times its packed size"
                        " (%(packed)s to %(unpacked)s bytes), as a ZIP bomb does"
                    ),
                    {
                        "part": part.filename,
                        "ratio": f"{ratio:,.0f}",
                        "packed": f"{part.compress_size:,}",
                        "unpacked": f"{part.file_size:,}",
                    },
                ),
                limits.max_compression_ratio,
                "import_max_compression_ratio",
                Phrase(N_("a real export compresses far less; %(advice)s"), {"advice": _ADVICE}),
            )


class _Parser(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's sheet parser, marking a formula cell whose value was never saved."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        """Parse one `<c>` element as openpyxl does; a formula without `<v>` gets _NO_VALUE."""
        cell: dict[str, Any] = super().parse_cell(element)
        if cell["value"] is None and element.find(FORMULA_TAG) is not None:
            cell["data_type"] = _NO_VALUE
        return cell


class Sheet:
    """One sheet of an opened workbook: its rows as (row number, cells), and a size estimate."""

    def __init__(self, path: Path, sheet: str | None) -> None:
        self.where = path.name
        try:
            self.workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad part
            raise UserError(
                N_("%(where)s: not a readable XLSX workbook (%(exc)s); %(advice)s"),
                values={"where": self.where, "exc": exc, "advice": _ADVICE},
            ) from exc
        names = self.workbook.sheetnames
        if sheet is not None and sheet not in names:
            self.close()
            raise UserError(
                N_("%(where)s: no sheet %(sheet)r (sheets: %(value)s)"),
                values={"where": self.where, "sheet": sheet, "value": ", ".join(names)},
            )
        if not names:
            self.close()
            raise UserError(
                N_("%(where)s: the workbook has no sheet; %(advice)s"),
                values={"where": self.where, "advice": _ADVICE},
            )
        ws = self.workbook[sheet] if sheet else self.workbook.worksheets[0]
        if not isinstance(ws, ReadOnlyWorksheet):
            self.close()
            raise UserError(
                N_("%(where)s: sheet %(title)r holds no cells (a chart sheet?)"),
                values={"where": self.where, "title": ws.title},
            )
        self.ws = ws
        # The dimension the file claims: a progress estimate only, never a bound on reading.
        self.estimate: int | None = ws.max_row

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """Yield every `<row>` of the sheet as (row number, [(column, value, data type)])."""
        wb = self.workbook
        source = wb._archive.open(self.ws._worksheet_path)  # openpyxl's own way to the sheet
        parser = _Parser(
            source,
            self.ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        parsed = parser.parse()
        last = 0
        try:
            while True:
                try:
                    number, cells = next(parsed)
                except StopIteration:
                    return
                except Exception as exc:  # noqa: BLE001 - a damaged part fails in many ways
                    raise UserError(
                        N_(
                            "%(where)s: the sheet is damaged after row %(last)s (%(exc)s);"
                            " %(advice)s"
                        ),
                        values={"where": self.where, "last": last, "exc": exc, "advice": _ADVICE},
                    ) from exc
                last = number
                yield number, [(c["column"], c["value"], c["data_type"]) for c in cells]
        finally:
            source.close()

    def close(self) -> None:
        """Close the workbook's archive."""
        self.workbook.close()


def cell_problem(row: int, column: int, value: Any, data_type: str) -> tuple[str, str] | None:
    """(value, expected) of a formula or error cell, naming the cell; None for a plain value."""
    if data_type != _NO_VALUE and data_type != "e":
        return None
    ref = f"{get_column_letter(column)}{row}" if column <= 18278 else f"column {column}, row {row}"
    if data_type == _NO_VALUE:
        return (
            "",
            f"a saved value: cell {ref} holds a formula with no saved value; open and save "
            "the file in Excel or paste values",
        )
    if data_type == "e":
        expected = f"a value: cell {ref} holds an error; correct the formula or paste values"
        return str(value), expected
    return None
