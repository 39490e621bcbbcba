"""Cells a spreadsheet program will not run: neutralise formula injection in CSV and XLSX output.

A CSV or XLSX cell that starts with `=`, `+`, `-` or `@` is read as a formula by Excel,
LibreOffice and Google Sheets (`=HYPERLINK(...)` leaks data, `=cmd|' /C calc'!A0` runs a
program through DDE); a leading tab or carriage return hides such a start. Following OWASP
("CSV Injection"), every text cell that starts with one of these characters is written with a
leading apostrophe, which spreadsheet programs show as text. Real numbers stay numbers: only
text is changed, so a negative amount stays -5 while the text "+389 70 123 456" of a phone
column is written '+389 70 123 456 (OWASP's advice: the writer cannot tell a harmless text
from a formula by its meaning).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Return `value` as a spreadsheet cannot run it: text starting like a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Return the cells of a row through `safe_cell`."""
    return [safe_cell(v) for v in values]


def unquote_cell(text: str) -> str:
    """Undo `safe_cell` on text read back from a file this node wrote (a quarantine file)."""
    if text[:1] == "'" and text[1:2] and text[1] in FORMULA_START:
        return text[1:]
    return text
