"""Record types and their values: schema validation and the normalised columns of each type."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import inspect as sa_inspect

from armsbridge.errors import ValidationFailed
from armsbridge.firearms.calibre import normalise_calibre
from armsbridge.firearms.serials import normalise_serial
from armsbridge.i18n_marker import N_, Phrase
from armsbridge.names.keys import person_name_key
from armsbridge.records.identifiers import normalise_phone, normalise_plate
from armsbridge.vocab.registry import record_type as record_type_spec
from armsbridge.vocab.registry import record_types
from armsbridge.vocab.service import enum_values, load_record_schema, record_fields
from armsbridge.vocab.values import REQUIRED, coerce_value, date_bounds_problem

# Columns the writer computes from others; never set directly by a caller or an import.
DERIVED_FIELDS: dict[str, tuple[str, ...]] = {
    t.name: t.derived for t in record_types().values() if t.derived
}


# --- record types -------------------------------------------------------------------------------


def model_for(record_type: str) -> type[Any]:
    """Return the table class of a record type (the registry's `model`)."""
    return record_type_spec(record_type).model


@cache
def type_fields(record_type: str) -> dict[str, dict[str, Any]]:
    """Return {field: spec} of a record type, common fields included (cached)."""
    return record_fields(record_type)


def record_type_names() -> list[str]:
    """Return every record type name of the schema, in schema order."""
    return list(load_record_schema()["record_types"])


def record_as_dict(record: Any) -> dict[str, Any]:
    """Return the column values of a record (for audit before/after and exports)."""
    return {c.key: getattr(record, c.key) for c in sa_inspect(type(record)).column_attrs}


# --- validation and normalisation ---------------------------------------------------------------


def _message(record_type: str, problems: list[dict[str, str]]) -> str:
    parts = [f"{p['field']}: {p['value']!r} is not {p['expected']}" for p in problems]
    return f"{record_type}: " + "; ".join(parts)


_SLOW = object()  # a fast converter's answer: "ask coerce_value" (the reference, with messages)


def _fast_text(limit: int | None) -> Callable[[Any], Any]:
    def convert(raw: Any) -> Any:
        if raw.__class__ is str:
            text = raw.strip()
            if text and (limit is None or len(text) <= limit):
                return text
        return _SLOW

    return convert


def _fast_enum(codes: frozenset[str]) -> Callable[[Any], Any]:
    def convert(raw: Any) -> Any:
        if raw.__class__ is str:
            text = raw.strip()
            if text in codes:
                return text
        return _SLOW

    return convert


_DMY = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})")


def _fast_date(as_text: bool, spec: dict[str, Any]) -> Callable[[Any], Any]:
    bounded = "not_before" in spec or "not_after" in spec

    def convert(raw: Any) -> Any:
        if raw.__class__ is str:
            match = _DMY.fullmatch(raw)
            if match:
                day, month, year = match.groups()
                try:
                    value = date(int(year), int(month), int(day))
                except ValueError:
                    return _SLOW
                if bounded and date_bounds_problem(spec, value, value):
                    return _SLOW  # coerce_value words the refusal
                return value.isoformat() if as_text else value
        return _SLOW

    return convert


@cache
def _fast_converters(record_type: str) -> dict[str, Callable[[Any], Any]]:
    """Return shortcuts for the common valid values of text and enum fields.

    Imports validate millions of values; these accept only what `coerce_value` accepts, giving
    the same value (text, code, dd.mm.yyyy date), and hand everything else (empty, too long,
    other case, other forms, other types) to it.
    """
    out: dict[str, Callable[[Any], Any]] = {}
    for name, spec in type_fields(record_type).items():
        kind = spec.get("type", "text")
        if kind == "text":
            out[name] = _fast_text(spec.get("max_length"))
        elif kind == "enum":
            out[name] = _fast_enum(frozenset(enum_values(spec["enum"])))
        elif kind in ("date", "partial_date"):
            out[name] = _fast_date(kind == "partial_date", spec)
    return out


def validate_values(
    record_type: str,
    data: Mapping[str, Any],
    *,
    partial: bool = False,
    not_required: Iterable[str] = (),
) -> dict[str, Any]:
    """Coerce every value to its schema type; raise one ValidationFailed listing every problem."""
    fields = type_fields(record_type)
    fast = _fast_converters(record_type)
    problems: list[dict[str, str]] = []
    values: dict[str, Any] = {}
    for name, raw in data.items():
        convert = fast.get(name)
        if convert is not None:
            value = convert(raw)
            if value is not _SLOW:
                values[name] = value
                continue
        spec = fields.get(name)
        if spec is None:
            problems.append(
                {
                    "field": name,
                    "value": str(raw),
                    "expected": Phrase(
                        N_("a field of %(record_type)s"), {"record_type": record_type}
                    ),
                }
            )
            continue
        if raw is None and not spec.get("required"):
            values[name] = None
            continue
        try:
            values[name] = coerce_value(spec, raw, field=name)
        except ValidationFailed as exc:
            problems.extend(exc.problems)
    if not partial:
        skip = set(not_required)
        for name, spec in fields.items():
            if spec.get("required") and name not in data and name not in skip:
                problems.append({"field": name, "value": "", "expected": REQUIRED})
    if problems:
        raise ValidationFailed(_message(record_type, problems), problems)
    return values


def derived_values(
    record_type: str,
    values: Mapping[str, Any],
    *,
    jurisdiction: str | None,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the normalised columns that follow from `values` (serial, calibre, plate, ...)."""
    out: dict[str, Any] = {}
    if record_type == "firearm":
        if "serial_raw" in values:
            out["serial_normalised"] = normalise_serial(values["serial_raw"]) or None
        if "calibre" in values:
            out["calibre_normalised"] = normalise_calibre(values["calibre"])
    elif record_type == "vehicle" and "plate_raw" in values:
        out["plate_normalised"] = normalise_plate(values["plate_raw"])
    elif record_type == "phone" and "number_raw" in values:
        e164, region = normalise_phone(
            values["number_raw"],
            jurisdiction=jurisdiction,
            country=values.get("country"),
            field="number_raw",
        )
        out["e164"] = e164
        if not values.get("country") and region:
            out["country"] = region
    elif record_type == "person" and ("given_name" in values or "family_name" in values):
        merged = {**(current or {}), **values}
        key = person_name_key(merged.get("given_name"), merged.get("family_name"))
        out["name_key"] = key or None
    return out


def prepare_values(
    record_type: str,
    data: Mapping[str, Any],
    *,
    partial: bool = False,
    current: Mapping[str, Any] | None = None,
    not_required: Iterable[str] = (),
) -> dict[str, Any]:
    """Validate `data` and add the normalised columns; the dict a write stores."""
    derived = set(DERIVED_FIELDS.get(record_type, ()))
    if derived & set(data):
        field = sorted(derived & set(data))[0]
        raise ValidationFailed(
            N_("%(record_type)s: %(field)s is computed from the raw value and cannot be set"),
            [{"field": field, "value": str(data[field]), "expected": "no value (computed)"}],
            values={"record_type": record_type, "field": field},
        )
    values = validate_values(record_type, data, partial=partial, not_required=not_required)
    jurisdiction = values.get("jurisdiction") or (current or {}).get("jurisdiction")
    values.update(derived_values(record_type, values, jurisdiction=jurisdiction, current=current))
    return values
