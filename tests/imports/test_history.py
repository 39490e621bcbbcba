"""Imports of dated case status steps and of child rows (identity documents)."""

from __future__ import annotations

from datetime import date

import pytest
from import_helpers import count, write_csv
from sqlalchemy import select

from armsbridge.imports.profile import ProfileError, parse_profile
from armsbridge.imports.service import import_file
from armsbridge.records.models import Case, CaseStatusChange
from principals import as_actor

CASES = {
    "name": "t-cases",
    "jurisdiction": "XK",
    "format": {"delimiter": ";"},
    "records": {
        "case": {
            "type": "case",
            "key": "{NR}",
            "status_date": "DATA_STATUSIT",
            "fields": {
                "reference": "NR",
                "kind": {"value": "trafficking"},
                "status": "STATUSI",
                "opened_on": "DATA_HAPJES",
                "court_reference": "GJYKATA",
            },
        }
    },
}
STEPS = {
    "name": "t-case-status",
    "jurisdiction": "XK",
    "format": {"delimiter": ";"},
    "records": {
        "case": {
            "type": "case",
            "key": "{NR}",
            "existing": True,
            "status_date": "DATA",
            "fields": {"status": "STATUSI", "court_reference": "GJYKATA"},
        }
    },
}
CASE_HEADER = ["NR", "STATUSI", "DATA_STATUSIT", "DATA_HAPJES", "GJYKATA"]
STEP_HEADER = ["NR", "STATUSI", "DATA", "GJYKATA"]


def _history(session, ref: str) -> list[tuple[str, date, str | None]]:
    case = session.execute(select(Case).where(Case.external_ref == ref)).scalar_one()
    rows = session.execute(
        select(
            CaseStatusChange.status, CaseStatusChange.changed_on, CaseStatusChange.court_reference
        )
        .where(CaseStatusChange.case_id == case.id)
        .order_by(CaseStatusChange.changed_on)
    )
    return [tuple(r) for r in rows]


def _import(session, tmp_path, profile, name, header, rows):
    path = write_csv(tmp_path / name, header, rows)
    return import_file(
        session,
        profile=parse_profile(profile),
        path=path,
        user=as_actor("t"),
        quarantine_path=tmp_path / f"q-{name}",
    )


def _world(session, tmp_path):
    _import(
        session,
        tmp_path,
        CASES,
        "cases.csv",
        CASE_HEADER,
        [
            ["C-1", "convicted", "20.09.2023", "03.01.2021", "PKR.nr.12/22"],
            ["C-2", "under_investigation", "10.02.2025", "01.02.2025", ""],
        ],
    )
    return _import(
        session,
        tmp_path,
        STEPS,
        "steps.csv",
        STEP_HEADER,
        [
            ["C-1", "reported", "03.01.2021", ""],
            ["C-1", "under_investigation", "10.01.2021", ""],
            ["C-1", "referred_to_prosecution", "01.06.2021", ""],
            ["C-1", "indicted", "15.02.2022", "PKR.nr.12/22"],
            ["C-1", "convicted", "20.09.2023", "PKR.nr.12/22"],
            ["C-2", "reported", "01.02.2025", ""],
            ["C-2", "under_investigation", "10.02.2025", ""],
        ],
    )


def test_status_steps_carry_their_real_dates_and_court_references(session, tmp_path):
    report = _world(session, tmp_path)
    assert report.rows_quarantined == 0
    assert _history(session, "C-1") == [
        ("reported", date(2021, 1, 3), None),
        ("under_investigation", date(2021, 1, 10), None),
        ("referred_to_prosecution", date(2021, 6, 1), None),
        ("indicted", date(2022, 2, 15), "PKR.nr.12/22"),
        ("convicted", date(2023, 9, 20), "PKR.nr.12/22"),
    ]
    case = session.execute(select(Case).where(Case.external_ref == "C-1")).scalar_one()
    assert case.status == "convicted" and case.court_reference == "PKR.nr.12/22"
    assert [s for s, _, _ in _history(session, "C-2")] == ["reported", "under_investigation"]


def test_reimporting_cases_and_steps_adds_no_history_rows(session, tmp_path):
    _world(session, tmp_path)
    before = count(session, CaseStatusChange)
    _world(session, tmp_path)
    assert count(session, CaseStatusChange) == before == 7


def test_a_later_step_moves_the_case_forward_on_its_own_date(session, tmp_path):
    _world(session, tmp_path)
    report = _import(
        session,
        tmp_path,
        STEPS,
        "more.csv",
        STEP_HEADER,
        [["C-2", "referred_to_prosecution", "30.06.2025", ""]],
    )
    assert report.rows_imported == 1
    case = session.execute(select(Case).where(Case.external_ref == "C-2")).scalar_one()
    assert case.status == "referred_to_prosecution"
    assert _history(session, "C-2")[-1] == ("referred_to_prosecution", date(2025, 6, 30), None)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["C-1", "dismissed", "01.01.2024", ""], "has its verdict (convicted on 2023-09-20)"),
        (["C-1", "under_investigation", "01.03.2021", ""], "already under_investigation on"),
        (
            ["C-2", "reported", "20.02.2025", ""],
            "already reported on 2025-02-01",
        ),
        (
            ["C-2", "referred_to_prosecution", "05.02.2025", ""],
            "cannot go back from referred_to_prosecution (2025-02-05) to under_investigation",
        ),
        (["C-2", "indicted", "31.02.2025", ""], "a real calendar date (the date of case.status)"),
        (["C-2", "indicted", "", ""], "the date of case.status"),
        (["C-9", "indicted", "01.03.2025", ""], "already stored"),
    ],
)
def test_steps_that_break_the_rules_are_quarantined_with_the_reason(session, tmp_path, row, reason):
    _world(session, tmp_path)
    before = count(session, CaseStatusChange)
    report = _import(session, tmp_path, STEPS, "bad.csv", STEP_HEADER, [row])
    assert report.rows_quarantined == 1 and report.rows_imported == 0
    assert reason in str(report.errors[0].expected), report.errors
    assert count(session, CaseStatusChange) == before
    assert report.quarantine_path is not None and report.quarantine_path.exists()
    assert report.errors[0].column in ("STATUSI, DATA", "DATA", "NR")


def test_status_date_is_refused_outside_a_case_that_maps_its_status():
    profile = {**STEPS, "records": {"case": {**STEPS["records"]["case"], "fields": {}}}}
    with pytest.raises(ProfileError, match="status_date"):
        parse_profile(profile)


PERSONS = {
    "name": "t-persons",
    "jurisdiction": "MK",
    "format": {"delimiter": ";"},
    "records": {
        "person": {
            "type": "person",
            "key": "{ID}",
            "fields": {"given_name": "IME"},
            "children": [
                {
                    "type": "identity_document",
                    "when": "EMBG",
                    "fields": {
                        "kind": {"value": "personal_number"},
                        "number": "EMBG",
                        "issuing_country": {"value": "MK"},
                    },
                }
            ],
        }
    },
}
PERSON_HEADER = ["ID", "IME", "EMBG"]


def _documents(session) -> list[tuple[str, str, str, str | None]]:
    from armsbridge.records.models import IdentityDocument, Person

    rows = session.execute(
        select(
            Person.external_ref,
            IdentityDocument.kind,
            IdentityDocument.number,
            IdentityDocument.issuing_country,
        )
        .join(IdentityDocument, IdentityDocument.person_id == Person.id)
        .order_by(Person.external_ref, IdentityDocument.number)
    )
    return [tuple(r) for r in rows]


def test_personal_numbers_become_identity_documents_once(session, tmp_path):
    rows = [
        ["L-1", "Марко", "0101990450001"],
        ["L-1", "Марко", "0101990450001"],  # the same person in a second case
        ["L-2", "Ана", ""],
    ]
    report = _import(session, tmp_path, PERSONS, "p.csv", PERSON_HEADER, rows)
    assert report.rows_imported == 3
    assert report.created["identity_document"] == 1
    expected = [("L-1", "personal_number", "0101990450001", "MK")]
    assert _documents(session) == expected
    _import(session, tmp_path, PERSONS, "p.csv", PERSON_HEADER, rows)
    assert _documents(session) == expected
    # A later export with another number of the same person adds it next to the first.
    _import(session, tmp_path, PERSONS, "p2.csv", PERSON_HEADER, [["L-1", "", "0101990450002"]])
    assert [n for _, _, n, _ in _documents(session)] == ["0101990450001", "0101990450002"]


def test_a_bad_child_value_quarantines_the_row_naming_its_column(session, tmp_path):
    from armsbridge.records.models import Person

    rows = [["L-3", "Петар", "1" * 61]]
    report = _import(session, tmp_path, PERSONS, "p.csv", PERSON_HEADER, rows)
    assert report.rows_quarantined == 1 and count(session, Person) == 0
    error = report.errors[0]
    assert error.column == "EMBG" and "identity_document.number" in error.expected


@pytest.mark.parametrize(
    ("child", "message"),
    [
        ({"type": "passport", "fields": {"number": "X"}}, "not a child type of person"),
        (
            {"type": "identity_document", "fields": {"kind": "K", "number": "N", "colour": "C"}},
            "not a field of identity_document",
        ),
        ({"type": "identity_document", "fields": {"number": "N"}}, "needs kind"),
    ],
)
def test_profiles_with_bad_child_rows_are_refused(child, message):
    person = {**PERSONS["records"]["person"], "children": [child]}
    with pytest.raises(ProfileError, match=message):
        parse_profile({**PERSONS, "records": {"person": person}})
