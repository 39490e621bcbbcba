"""IAFQ tables: weapons by type and context, ammunition, tracing, criminal justice by sex."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from armsbridge.indicators.iafq import compute_iafq, write_iafq_xlsx
from armsbridge.records.models import AmmunitionLot, Case, Event, Firearm, Link, Person


def _world(session: Session) -> None:
    seizure = Event(jurisdiction="XK", kind="seizure", occurred_on="2022-03-02")
    found = Event(jurisdiction="XK", kind="found", occurred_on="2022-04")
    session.add_all([seizure, found])
    session.flush()
    for n in range(5):
        session.add(
            Firearm(
                jurisdiction="XK",
                kind="pistol",
                status="seized",
                event_id=seizure.id,
                trace_status="established_by_tracing" if n == 0 else "pending",
            )
        )
    session.add(
        Firearm(
            jurisdiction="XK",
            kind="rifle",
            status="found",
            event_id=found.id,
            year_of_manufacture=1890,
        )
    )
    session.add(
        AmmunitionLot(jurisdiction="XK", calibre="7.62x39", quantity=1200, event_id=seizure.id)
    )
    case = Case(
        jurisdiction="XK",
        reference="C-1",
        kind="trafficking",
        status="convicted",
        opened_on=date(2022, 3, 2),
    )
    suspect = Person(jurisdiction="XK", family_name="Krasniqi", sex="M")
    witness = Person(jurisdiction="XK", family_name="Berisha", sex="F")
    session.add_all([case, suspect, witness])
    session.flush()
    for person, role in ((suspect, "convicted"), (witness, "witness")):
        session.add(
            Link(
                jurisdiction="XK",
                kind="involved_in",
                from_type="person",
                from_id=person.id,
                to_type="case",
                to_id=case.id,
                role=role,
            )
        )
    session.flush()


def _rows(table: dict) -> dict:
    return {row[0]: row[1:] for row in table["rows"]}


def test_iafq_tables_from_hand_built_records(session: Session, tmp_path: Path) -> None:
    _world(session)
    tables = compute_iafq(
        session, date_from=date(2022, 1, 1), date_to=date(2022, 12, 31), jurisdiction=None
    )
    weapons = _rows(tables["1 Weapons by type"])
    assert weapons["pistol"] == [5, 0, 0, 0, 5]
    assert weapons["rifle"] == [0, 1, 0, 0, 1]
    assert weapons["total"] == [5, 1, 0, 0, 6]
    assert _rows(tables["3 Ammunition"])["7.62x39"][0] == 1200
    tracing = _rows(tables["4 Tracing"])
    assert tracing["established_by_tracing"] == [1, 0, 0, 1]
    assert tracing["pending"] == [4, 0, 0, 4]  # the 1890 rifle is an antique: not counted
    assert tracing["SDG 16.4.2 proportion"][-1] == 0.2
    (significant,) = tables["5 Significant seizures"]["rows"]
    assert significant[4:6] == [5, 1200]
    justice = _rows(tables["6 Criminal justice"])
    assert justice["in contact with the police"] == [0, 1, 0, 0, 1]  # the witness is not
    assert justice["convicted"] == [0, 1, 0, 0, 1]
    out = write_iafq_xlsx(tables, tmp_path / "iafq.xlsx")
    sheet = load_workbook(out)["1 Weapons by type"]
    assert [c.value for c in sheet[4]][:5] == [
        "kind",
        "seized",
        "found",
        "surrendered",
        "other/unknown",
    ]
