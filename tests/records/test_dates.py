"""Impossible dates: a birth date before 1900 or in the future, an event after today."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from armsbridge.errors import ValidationFailed
from armsbridge.records import service
from armsbridge.records.validation import validate_values
from armsbridge.vocab.values import coerce_value
from principals import as_actor


# "Today" is read when each test runs, not when the module is collected: a run that crosses
# midnight would otherwise compare against yesterday.
def _tomorrow() -> date:
    return date.today() + timedelta(days=1)


def _problem(record_type: str, field: str, value: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        validate_values(record_type, {field: value}, partial=True)
    [problem] = info.value.problems
    return problem


@pytest.mark.parametrize(
    "written",
    [lambda: "31.12.9999", lambda: "9999-12-31", lambda: _tomorrow().strftime("%d.%m.%Y")],
    ids=["31.12.9999", "9999-12-31", "tomorrow"],
)
def test_a_birth_date_in_the_future_is_refused_with_today_as_the_bound(written):
    value = written()
    problem = _problem("person", "birth_date", value)
    assert problem == {
        "field": "birth_date",
        "value": value,
        "expected": f"a date no later than {date.today().isoformat()} (today)",
    }


@pytest.mark.parametrize("value", ["31.12.1899", "1899", "12.1899", "1899-12", date(1850, 1, 1)])
def test_a_birth_date_before_1900_is_refused(value):
    assert _problem("person", "birth_date", value)["expected"] == "a date from 1900-01-01 on"


@pytest.mark.parametrize(
    "written",
    [
        lambda: "01.01.1900",
        lambda: "1900",
        lambda: "1986-03",
        lambda: str(date.today().year),
        date.today,
    ],
    ids=["01.01.1900", "1900", "1986-03", "this-year", "today"],
)
def test_birth_dates_from_1900_to_today_pass_partial_ones_when_a_day_of_them_fits(written):
    assert validate_values("person", {"birth_date": written()}, partial=True)["birth_date"]


@pytest.mark.parametrize(
    ("record_type", "field", "written"),
    [
        ("event", "occurred_on", lambda: _tomorrow().isoformat()),
        ("event", "occurred_on", lambda: str(date.today().year + 1)),
        ("case", "opened_on", lambda: _tomorrow().strftime("%d.%m.%Y")),
        ("intel_report", "reported_on", _tomorrow),
    ],
    ids=["iso", "next-year", "dotted", "date"],
)
def test_an_event_after_today_is_refused(record_type, field, written):
    problem = _problem(record_type, field, written())
    assert problem["field"] == field and "no later than" in problem["expected"]


def test_a_spreadsheet_date_with_a_time_of_day_is_a_date():
    spec = {"type": "partial_date", "not_after": "today"}
    assert coerce_value(spec, datetime(1986, 3, 14, 10, 30), field="x") == "1986-03-14"


def test_the_record_writer_used_by_forms_and_the_api_refuses_them(session):
    with pytest.raises(ValidationFailed) as info:
        service.create_record(
            session,
            record_type="person",
            data={"jurisdiction": "XK", "given_name": "Agim", "birth_date": "31.12.9999"},
            user=as_actor("a"),
        )
    assert "birth_date: '31.12.9999' is not a date no later than" in str(info.value)


def test_a_status_step_after_today_is_refused(session):
    case = service.create_record(
        session,
        record_type="case",
        data={"jurisdiction": "XK", "reference": "XK-D-1", "kind": "trafficking"},
        user=as_actor("a"),
    )
    with pytest.raises(ValidationFailed, match="no later than"):
        service.add_status_change(
            session,
            case_id=case.id,
            status="under_investigation",
            changed_on=_tomorrow().isoformat(),
            user=as_actor("a"),
        )
