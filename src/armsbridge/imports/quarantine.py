"""The quarantine file of an import: the rows it refused, with their reasons, as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

from armsbridge.imports.planning import EXTRA_CELLS
from armsbridge.imports.schemas import RowError
from armsbridge.settings import get_settings
from armsbridge.spreadsheet import safe_cell


def default_quarantine_path(path: Path) -> Path:
    """Return where the quarantine of `path` goes when no path is given: var_dir/quarantine/."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return get_settings().var_dir / "quarantine" / f"{path.stem}-{stamp}.csv"


def write_quarantine(
    target: Path,
    header: list[str],
    rows: list[tuple[int, dict[str, Any], list[RowError]]],
    *,
    max_bytes: int | None = None,
) -> int:
    """Write the quarantined rows as CSV: row number, reasons, then the row as it was read.

    Cells are written so that a spreadsheet cannot run them (armsbridge.spreadsheet) and a NUL
    character shows as ␀. Past `max_bytes` (setting import_max_quarantine_bytes) the rows left
    are counted in a last line instead; returns how many rows that line counts.
    """
    limit = max_bytes or get_settings().import_max_quarantine_bytes
    target.parent.mkdir(parents=True, exist_ok=True)
    columns = [h for h in header if h]
    buffer = io.StringIO()
    line = csv.writer(buffer)
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        line.writerow(["row", "errors", *columns])
        written = len(buffer.getvalue().encode("utf-8"))
        handle.write(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
        for index, (number, raw, errors) in enumerate(rows):
            reasons = " | ".join(
                f"{e.column or '(row)'}: {e.value!r} is not {e.expected}" for e in errors
            )
            cells = [raw.get(c) for c in columns]
            if EXTRA_CELLS in raw:
                cells.extend(raw[EXTRA_CELLS])
            line.writerow([number, safe_cell(reasons), *(_quarantine_cell(c) for c in cells)])
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            written += len(text.encode("utf-8"))
            if written > limit:
                left = len(rows) - index
                first, last = number, rows[-1][0]
                line.writerow(
                    [
                        "",
                        f"{left:,} more rows (rows {first} to {last}) are not listed: the "
                        f"quarantine reached its limit of {limit:,} bytes (setting "
                        "ARMSBRIDGE_IMPORT_MAX_QUARANTINE_BYTES); none of them was imported. "
                        "Correct the rows listed above, or the profile, and import again",
                    ]
                )
                handle.write(buffer.getvalue())
                return left
            handle.write(text)
    return 0


def _quarantine_cell(value: Any) -> Any:
    value = safe_cell(value)
    return value.replace("\x00", "\u2400") if isinstance(value, str) else _as_text(value)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)
