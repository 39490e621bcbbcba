"""Enumerations and the record-type schema load, carry sources, and agree with the tables."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from armsbridge.errors import ValidationFailed
from armsbridge.vocab.service import enum_values, load_enums, load_record_schema, record_fields
from armsbridge.vocab.values import coerce_value, parse_date, parse_partial_date


def test_every_enumeration_names_its_source() -> None:
    enums = load_enums()
    for name, spec in enums.items():
        if name == "version":
            continue
        assert spec.get("source"), f"enumeration {name} has no source"
        assert spec["values"], f"enumeration {name} is empty"


def test_domain_facts_in_enumerations() -> None:
    assert set(enum_values("handling_codes")) == {"H0", "H1", "H2", "H3"}
    assert set(enum_values("source_grades")) == {"A", "B", "C", "X"}
    assert set(enum_values("information_grades")) == {"1", "2", "3", "4"}
    assert set(enum_values("jurisdictions")) == {"XK", "MK"}
    assert {"suspect", "accused", "convicted", "victim", "witness", "other"} == set(
        enum_values("data_subject_roles")
    )


def test_schema_fields_exist_on_their_tables() -> None:
    import importlib

    from armsbridge.records.models import RECORD_MODELS

    schema = load_record_schema()
    for record_type, spec in schema["record_types"].items():
        if "model" in spec:
            module, _, cls = spec["model"].partition(":")
            model = getattr(importlib.import_module(module), cls)
        else:
            model = RECORD_MODELS[record_type]
        columns = set(model.__table__.columns.keys())
        for name, field in record_fields(record_type).items():
            assert name in columns, f"{record_type}.{name} is in records.yaml but not a column"
            if field.get("type") == "enum":
                assert enum_values(field["enum"]), f"{record_type}.{name}: unknown enumeration"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14.03.1986", date(1986, 3, 14)),
        ("1986-03-14", date(1986, 3, 14)),
        ("1.2.2020", date(2020, 2, 1)),
    ],
)
def test_dates_in_both_conventions(raw: str, expected: date) -> None:
    assert parse_date(raw, field="d") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1986", "1986"),
        ("03.1986", "1986-03"),
        ("1986-03", "1986-03"),
        ("14.03.1986", "1986-03-14"),
    ],
)
def test_partial_dates_keep_their_precision(raw: str, expected: str) -> None:
    assert parse_partial_date(raw, field="birth_date") == expected


def test_impossible_date_names_field_value_and_expectation() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_date("31.02.2020", field="opened_on")
    problem = err.value.problems[0]
    assert problem == {
        "field": "opened_on",
        "value": "31.02.2020",
        "expected": "a real calendar date",
    }


def test_enum_error_lists_the_allowed_codes() -> None:
    with pytest.raises(ValidationFailed) as err:
        coerce_value({"type": "enum", "enum": "sexes"}, "Q", field="sex")
    assert "one of F, M, X" in err.value.problems[0]["expected"]


def test_required_field_missing_is_an_error() -> None:
    with pytest.raises(ValidationFailed, match="required"):
        coerce_value({"type": "text", "required": True}, "  ", field="reference")


def test_decimal_comma_and_ranges() -> None:
    assert coerce_value({"type": "float"}, "42,15", field="latitude") == pytest.approx(42.15)
    with pytest.raises(ValidationFailed, match="at most 90"):
        coerce_value({"type": "float", "max": 90}, "91", field="latitude")


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2100, 12, 31)))
def test_any_date_round_trips_through_both_notations(d: date) -> None:
    assert parse_date(d.strftime("%d.%m.%Y"), field="d") == d
    assert parse_partial_date(d.isoformat(), field="d") == d.isoformat()
