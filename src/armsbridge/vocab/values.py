"""Turns raw text into typed field values per the record-type schema, with clear errors."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.vocab.service import enum_label, enum_values, load_enums

_TRUE = {"1", "true", "yes", "y", "da", "po", "да", "x"}
_FALSE = {"0", "false", "no", "n", "ne", "jo", "не", ""}
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\.?$")
_MY = re.compile(r"^(\d{1,2})\.(\d{4})\.?$")
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# The date of a case's status step: a full date, not in the future (imports, web, API).
STEP_DATE: dict[str, Any] = {"type": "date", "required": True, "not_after": "today"}

# What a value was expected to be, as a problem says it (in English, for logs, the API and
# import reports); marked for translation so that a form can say it in the user's language.
REQUIRED = N_("a value (the field is required)")
REAL_DATE = N_("a real calendar date")
DATE_FORMAT = N_("a date written dd.mm.yyyy or yyyy-mm-dd")
MONTH = N_("a month between 01 and 12")
YES_NO = N_("yes or no (true/false, 1/0)")
WHOLE = N_("a whole number")
NUMBER = N_("a number")
LATEST_TODAY = N_("a date no later than %(limit)s (today)")
LATEST = N_("a date no later than %(limit)s")
EARLIEST = N_("a date from %(limit)s on")
AFTER_LAST_STEP = N_("a date from %(limit)s on (the last status change)")
AT_MOST_CHARS = N_("at most %(limit)s characters")
AT_LEAST = N_("at least %(limit)s")
AT_MOST = N_("at most %(limit)s")
ONE_OF = N_("one of %(values)s")
OWN_JURISDICTION = N_("%(jurisdiction)s (the jurisdiction you write for)")
# Longer templates first: "at most %(limit)s" would also match "at most 5 characters".
EXPECTATIONS = (
    REQUIRED,
    REAL_DATE,
    DATE_FORMAT,
    MONTH,
    YES_NO,
    WHOLE,
    NUMBER,
    LATEST_TODAY,
    LATEST,
    AFTER_LAST_STEP,
    EARLIEST,
    AT_MOST_CHARS,
    AT_LEAST,
    AT_MOST,
    ONE_OF,
    OWN_JURISDICTION,
)
_SLOT = re.compile(r"%\\\((\w+)\\\)s")


@cache
def _expectation_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [(t, re.compile(_SLOT.sub(r"(?P<\1>.+?)", re.escape(t)))) for t in EXPECTATIONS]


def _enum_of_codes(codes: str) -> str | None:
    """Return the enumeration whose codes are exactly `codes` ("a, b, c"), or None."""
    wanted = codes.split(", ")
    for name, spec in load_enums().items():
        if isinstance(spec, dict) and [str(c) for c in spec.get("values") or ()] == wanted:
            return str(name)
    return None


def translate_expected(expected: str, gettext: Callable[..., str]) -> str:
    """Return a problem's `expected` text in the language of `gettext` (as is when unknown).

    "one of" the codes of an enumeration is said with the codes' labels: codes never show.
    """
    for template, pattern in _expectation_patterns():
        match = pattern.fullmatch(expected)
        if match:
            values = match.groupdict()
            enum = _enum_of_codes(values["values"]) if template == ONE_OF else None
            if enum is not None:
                labels = enum_values(enum).values()
                values["values"] = ", ".join(gettext(label) for label in labels)
            if template == OWN_JURISDICTION:
                values["jurisdiction"] = gettext(
                    enum_label("jurisdictions", values["jurisdiction"])
                )
            return gettext(template, **values)
    return gettext(expected)


def _fail(field: str, value: Any, expected: str) -> ValidationFailed:
    return ValidationFailed(
        f"{field}: {value!r} is not {expected}",
        [{"field": field, "value": str(value), "expected": expected}],
    )


def parse_date(raw: str, *, field: str) -> date:
    """Parse a full date written dd.mm.yyyy or yyyy-mm-dd."""
    text = raw.strip()
    match = _DMY.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        iso = _ISO.match(text)
        if iso and iso.group(3):
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    except ValueError as exc:
        raise _fail(field, raw, REAL_DATE) from exc
    raise _fail(field, raw, DATE_FORMAT)


def parse_partial_date(raw: str, *, field: str) -> str:
    """Return the ISO partial date (yyyy, yyyy-mm or yyyy-mm-dd) of dd.mm.yyyy, mm.yyyy or ISO."""
    text = raw.strip()
    match = _MY.match(text)
    if match:
        month, year = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise _fail(field, raw, MONTH)
        return f"{year:04d}-{month:02d}"
    iso = _ISO.match(text)
    if iso and not iso.group(2):
        return f"{int(iso.group(1)):04d}"
    if iso and not iso.group(3):
        month = int(iso.group(2))
        if not 1 <= month <= 12:
            raise _fail(field, raw, MONTH)
        return f"{iso.group(1)}-{iso.group(2)}"
    return parse_date(text, field=field).isoformat()


def _bound(value: Any) -> date:
    if value == "today":
        return date.today()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def date_limits(spec: dict[str, Any]) -> tuple[date | None, date | None]:
    """Return the earliest and latest dates a field takes (`not_before`, `not_after`), or None."""
    earliest = _bound(spec["not_before"]) if "not_before" in spec else None
    latest = _bound(spec["not_after"]) if "not_after" in spec else None
    return earliest, latest


def date_bounds_problem(spec: dict[str, Any], first: date, last: date) -> str | None:
    """What a date spanning first..last (a partial date spans days) fails of `not_before`
    and `not_after` in `spec` (a date, or "today"); None when it fits."""
    earliest, latest = date_limits(spec)
    if latest is not None and first > latest:
        template = LATEST_TODAY if spec["not_after"] == "today" else LATEST
        return template % {"limit": latest.isoformat()}
    if earliest is not None and last < earliest:
        return EARLIEST % {"limit": earliest.isoformat()}
    return None


def partial_date_span(iso: str) -> tuple[date, date]:
    """Return the first and last day an ISO partial date (yyyy, yyyy-mm, yyyy-mm-dd) means."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        day = date(*parts)
        return day, day
    if len(parts) == 2:
        year, month = parts
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return date(parts[0], 1, 1), date(parts[0], 12, 31)


def _checked(spec: dict[str, Any], value: Any, raw: Any, field: str) -> Any:
    """`value` (a date or ISO partial date) when it fits the spec's bounds; else the error."""
    if "not_after" not in spec and "not_before" not in spec:
        return value
    first, last = (value, value) if isinstance(value, date) else partial_date_span(value)
    problem = date_bounds_problem(spec, first, last)
    if problem:
        raise _fail(field, raw, problem)
    return value


def coerce_value(spec: dict[str, Any], raw: Any, *, field: str) -> Any:
    """Return `raw` converted to the type `spec` names; raise ValidationFailed when it is not."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if spec.get("required"):
            raise _fail(field, "" if raw is None else raw, REQUIRED)
        return None
    kind = spec.get("type", "text")
    if kind == "text":
        text = str(raw).strip()
        limit = spec.get("max_length")
        if limit and len(text) > limit:
            raise _fail(field, text, AT_MOST_CHARS % {"limit": limit})
        return text
    if kind in ("int", "float"):
        return _number(spec, raw, field=field, as_int=kind == "int")
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise _fail(field, raw, YES_NO)
    if isinstance(raw, datetime) and kind in ("date", "partial_date"):
        raw = raw.date()  # a spreadsheet's date cell with a time of day
    if kind == "date":
        day = raw if isinstance(raw, date) else parse_date(str(raw), field=field)
        return _checked(spec, day, raw, field)
    if kind == "partial_date":
        if isinstance(raw, date):
            return _checked(spec, raw.isoformat(), raw, field)
        return _checked(spec, parse_partial_date(str(raw), field=field), raw, field)
    if kind == "enum":
        values = enum_values(spec["enum"])
        text = str(raw).strip()
        if text in values:
            return text
        lowered = {k.lower(): k for k in values}
        if text.lower() in lowered:
            return lowered[text.lower()]
        raise _fail(field, raw, ONE_OF % {"values": ", ".join(values)})
    if kind == "list":
        if isinstance(raw, list):
            return [str(v).strip() for v in raw if str(v).strip()]
        return [part.strip() for part in str(raw).split("|") if part.strip()]
    raise ValueError(f"unknown field type {kind!r} for {field}")


def _number(spec: dict[str, Any], raw: Any, *, field: str, as_int: bool) -> int | float:
    text = str(raw).strip().replace(" ", "")
    if not as_int and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        value: int | float = int(text) if as_int else float(text)
    except ValueError as exc:
        raise _fail(field, raw, WHOLE if as_int else NUMBER) from exc
    if "min" in spec and value < spec["min"]:
        raise _fail(field, raw, AT_LEAST % {"limit": spec["min"]})
    if "max" in spec and value > spec["max"]:
        raise _fail(field, raw, AT_MOST % {"limit": spec["max"]})
    return value
