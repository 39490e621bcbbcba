"""Turns raw text into typed field values per the record-type schema, with clear errors."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from typing import Any

from armsbridge.errors import ValidationFailed
from armsbridge.vocab.service import enum_values

_TRUE = {"1", "true", "yes", "y", "da", "po", "да", "x"}
_FALSE = {"0", "false", "no", "n", "ne", "jo", "не", ""}
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\.?$")
_MY = re.compile(r"^(\d{1,2})\.(\d{4})\.?$")
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# The date of a case's status step: a full date, not in the future (imports, web, API).
STEP_DATE: dict[str, Any] = {"type": "date", "required": True, "not_after": "today"}


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
        raise _fail(field, raw, "a real calendar date") from exc
    raise _fail(field, raw, "a date written dd.mm.yyyy or yyyy-mm-dd")


def parse_partial_date(raw: str, *, field: str) -> str:
    """Return the ISO partial date (yyyy, yyyy-mm or yyyy-mm-dd) of dd.mm.yyyy, mm.yyyy or ISO."""
    text = raw.strip()
    match = _MY.match(text)
    if match:
        month, year = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise _fail(field, raw, "a month between 01 and 12")
        return f"{year:04d}-{month:02d}"
    iso = _ISO.match(text)
    if iso and not iso.group(2):
        return f"{int(iso.group(1)):04d}"
    if iso and not iso.group(3):
        month = int(iso.group(2))
        if not 1 <= month <= 12:
            raise _fail(field, raw, "a month between 01 and 12")
        return f"{iso.group(1)}-{iso.group(2)}"
    return parse_date(text, field=field).isoformat()


def _bound(value: Any) -> date:
    if value == "today":
        return date.today()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def date_bounds_problem(spec: dict[str, Any], first: date, last: date) -> str | None:
    """What a date spanning first..last (a partial date spans days) fails of `not_before`
    and `not_after` in `spec` (a date, or "today"); None when it fits."""
    if "not_after" in spec:
        limit = _bound(spec["not_after"])
        if first > limit:
            today = " (today)" if spec["not_after"] == "today" else ""
            return f"a date no later than {limit.isoformat()}{today}"
    if "not_before" in spec:
        limit = _bound(spec["not_before"])
        if last < limit:
            return f"a date from {limit.isoformat()} on"
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
            raise _fail(field, "" if raw is None else raw, "a value (the field is required)")
        return None
    kind = spec.get("type", "text")
    if kind == "text":
        text = str(raw).strip()
        limit = spec.get("max_length")
        if limit and len(text) > limit:
            raise _fail(field, text, f"at most {limit} characters")
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
        raise _fail(field, raw, "yes or no (true/false, 1/0)")
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
        raise _fail(field, raw, "one of " + ", ".join(values))
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
        raise _fail(field, raw, "a whole number" if as_int else "a number") from exc
    if "min" in spec and value < spec["min"]:
        raise _fail(field, raw, f"at least {spec['min']}")
    if "max" in spec and value > spec["max"]:
        raise _fail(field, raw, f"at most {spec['max']}")
    return value
