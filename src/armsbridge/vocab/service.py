"""Loads the enumerations and the record-type schema from YAML and answers questions about them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_, Phrase

VOCAB_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def load_enums() -> dict[str, Any]:
    """Return every enumeration as {name: {"source": ..., "values": {code: label}}}."""
    with (VOCAB_DIR / "enums.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=1)
def load_record_schema() -> dict[str, Any]:
    """Return the record-type schema: {"common": {...}, "record_types": {type: {...}}}."""
    with (VOCAB_DIR / "records.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def record_fields(record_type: str) -> dict[str, dict[str, Any]]:
    """Return {field: spec} of `record_type`, the common fields included."""
    schema = load_record_schema()
    if record_type not in schema["record_types"]:
        raise KeyError(f"unknown record type {record_type!r}")
    return {**schema["common"], **schema["record_types"][record_type]["fields"]}


@lru_cache(maxsize=64)
def _values(name: str) -> dict[str, str]:
    enums = load_enums()
    if name not in enums or name == "version":
        raise KeyError(f"unknown enumeration {name!r}")
    return {str(k): str(v) for k, v in enums[name]["values"].items()}


def enum_values(name: str) -> dict[str, str]:
    """Return {code: label} of the enumeration `name` (labels untranslated)."""
    return dict(_values(name))


def enum_label(enum: str, code: object) -> str:
    """Return the (untranslated) label of a code of `enum`; an unknown code as it is."""
    if code is None or code == "":
        return ""
    return enum_values(enum).get(str(code), str(code))


def check_code(enum: str, value: str, *, field: str) -> str:
    """Return `value` if it is a code of `enum`, else raise a ValidationFailed naming the field."""
    values = enum_values(enum)
    if value in values:
        return value
    expected = ", ".join(values)
    raise ValidationFailed(
        N_("%(field)s: %(value)r is not one of %(expected)s"),
        [
            {
                "field": field,
                "value": str(value),
                "expected": Phrase(N_("one of %(expected)s"), {"expected": expected}),
            }
        ],
        values={"field": field, "value": value, "expected": expected},
    )


def vocab_version() -> str:
    """Return the version label of the enumerations file."""
    return str(load_enums()["version"])
