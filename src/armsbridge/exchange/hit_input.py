"""What a user types for hit/no-hit: one value or a batch (one per line), its kind given or guessed.

Syntax of one line (the same on the CLI, in a file and in the page's box):

    K724521                      a value of the kind chosen (or guessed, kind "auto")
    plate: SK 1234 AB            a kind before a colon overrides the chosen one for that line
    Xhafer Bajrami 1986-03-14    a person: the names, then the birth date (yyyy-mm-dd,
    Xhafer Bajrami 14.03.1986    dd.mm.yyyy) or only the birth year (yyyy), last
    Xhafer Bajrami 1986
    K7?4521                      a partial serial: one '?' per unread character

Blank lines and lines starting with '#' are skipped. Guessing ("auto") reads a person (names then
a date or year), a phone (+, 00 or 0 and 8-15 digits), a VIN (17 letters and digits), a plate
(Kosovo NN-NNN-LL, North Macedonia LL NNNN LL), and anything else as a serial: choose
"document" for a document number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from armsbridge.errors import ValidationFailed
from armsbridge.exchange.hitset import KINDS
from armsbridge.i18n_marker import N_

AUTO = "auto"
MAX_LINE = 200
_YEAR_OR_DATE = re.compile(r"^(\d{4}|\d{4}-\d{2}(-\d{2})?|\d{1,2}\.\d{1,2}\.\d{4})$")
_PHONE = re.compile(r"^(\+|00|0)[\d\s\-/().]{6,20}$")
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_PLATE_XK = re.compile(r"^\d{2}[\s-]?\d{3}[\s-]?[A-Z]{2}$")
_PLATE_MK = re.compile(r"^[A-ZА-ЯЃЌЅЏЉЊЈ]{2}[\s-]?\d{3,4}[\s-]?[A-ZА-ЯЃЌЅЏЉЊЈ]{2}$")
_PREFIX = re.compile(r"^\s*([a-z]+)\s*:\s*(.+)$")


@dataclass(frozen=True)
class Entry:
    """One value to ask for, with its kind and the line it came from (1 for a single value)."""

    kind: str
    value: str
    line: int = 1
    make: str | None = None  # a serial's make, when the asker knows it (asks both keys)


def guess_kind(value: str) -> str:
    """Return the kind of a typed value: person, phone, vin, plate or (otherwise) serial."""
    text = " ".join(value.split())
    words = text.split(" ")
    if (
        len(words) >= 2
        and _YEAR_OR_DATE.match(words[-1])
        and all(re.search(r"[^\W\d_]", w) for w in words[:-1])
    ):
        return "person"
    digits = re.sub(r"\D", "", text)
    if _PHONE.match(text) and 8 <= len(digits) <= 15 and not re.search(r"[^\W\d_]", text):
        return "phone"
    upper = text.upper()
    if _VIN.match(upper.replace(" ", "").replace("-", "")) and re.search(r"[A-Z]", upper):
        return "vin"
    if _PLATE_XK.match(upper) or _PLATE_MK.match(upper):
        return "plate"
    return "serial"


def check_kind(kind: str) -> str:
    """Return `kind` cleaned; refuse one that is not a hit/no-hit kind or auto."""
    value = (kind or AUTO).strip().lower()
    if value != AUTO and value not in KINDS:
        raise ValidationFailed(
            N_("type %(kind)r: use one of %(value)s or %(auto)s"),
            [{"field": "type", "value": kind, "expected": ", ".join((*KINDS, AUTO))}],
            values={"kind": kind, "value": ", ".join(KINDS), "auto": AUTO},
        )
    return value


def parse_entries(text: str, kind: str = AUTO, make: str | None = None) -> list[Entry]:
    """Return the entries of a box or file: one value per line, `kind:` prefixes honoured.

    `make` (a firearm make) goes with every serial: each is then asked alone and with the make.
    """
    chosen = check_kind(kind)
    out: list[Entry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if len(line) > MAX_LINE:
            raise ValidationFailed(
                N_(
                    "line %(number)s: longer than %(max_line)s characters; write one value per line"
                ),
                [{"field": "items", "value": line[:40], "expected": "one value per line"}],
                values={"number": number, "max_line": MAX_LINE},
            )
        line_kind, value = chosen, line
        prefixed = _PREFIX.match(line)
        if prefixed and prefixed.group(1) in (*KINDS, AUTO):
            line_kind, value = prefixed.group(1), prefixed.group(2).strip()
        if line_kind == AUTO:
            line_kind = guess_kind(value)
        made = (make or "").strip() or None
        out.append(Entry(line_kind, value, number, made if line_kind == "serial" else None))
    if not out:
        raise ValidationFailed(
            "nothing to ask: write a serial, plate, VIN, phone, document number or a person "
            "(names then a birth date or year), one per line",
            [{"field": "items", "value": "", "expected": "at least one value"}],
        )
    return out


def entries_of(values: list[str], kind: str = AUTO, make: str | None = None) -> list[Entry]:
    """Return the entries of values given one by one (each may itself hold several lines)."""
    return parse_entries("\n".join(values), kind, make)
