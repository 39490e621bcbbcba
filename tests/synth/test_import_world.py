"""A generated world imports whole, through the shipped profiles, in the manifest's order."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from synth_helpers import manifest, read_rows

from armsbridge.border.models import Passage
from armsbridge.db.engine import engine_from_settings
from armsbridge.imports.service import import_file
from armsbridge.records.models import Case, CaseStatusChange, Firearm, Link, Person, Phone, Vehicle
from armsbridge.settings import Settings
from armsbridge.synth.service import build_demo_store, generate_world
from principals import as_actor


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate_world(out, seed=11, persons=200)
    return out


def _distinct(world: Path, file: str, column: str) -> int:
    item = next(i for i in manifest(world)["imports"] if i["file"] == file)
    return len({r[column] for r in read_rows(world, item)})


def _count(session: Session, model: type, jurisdiction: str) -> int:
    stmt = select(func.count()).select_from(model).where(model.jurisdiction == jurisdiction)
    return session.scalar(stmt) or 0


def test_every_row_imports_and_counts_match(
    session: Session, small_world: Path, tmp_path: Path
) -> None:
    for item in manifest(small_world)["imports"]:
        report = import_file(
            session,
            profile=item["profile"],
            path=small_world / item["file"],
            user=as_actor("test"),
            quarantine_path=tmp_path / "q.csv",
        )
        assert report.rows_quarantined == 0, [str(e) for e in report.errors[:3]]
        assert report.rows_imported == item["rows"]
    for j, prefix in (("XK", "xk"), ("MK", "mk")):
        person_col = "ID_PERSONI" if j == "XK" else "ИД_ЛИЦЕ"
        assert _count(session, Person, j) == _distinct(
            small_world, f"{prefix}/persons.csv", person_col
        )
        gun_col = "ID_ARMES" if j == "XK" else "ИД_ОРУЖЈЕ"
        assert _count(session, Firearm, j) == _distinct(
            small_world, f"{prefix}/firearms.csv", gun_col
        )
        car_col = "ID_AUTOMJETIT" if j == "XK" else "ИД_ВОЗИЛО"
        assert _count(session, Vehicle, j) == _distinct(
            small_world, f"{prefix}/vehicles.csv", car_col
        )
        assert _count(session, Phone, j) > 0
        involved = (
            select(func.count())
            .select_from(Link)
            .where(Link.jurisdiction == j, Link.kind == "involved_in")
        )
        assert session.scalar(involved) == next(
            i["rows"]
            for i in manifest(small_world)["imports"]
            if i["file"] == f"{prefix}/persons.csv"
        )
    orphans = select(func.count()).select_from(Firearm).where(Firearm.event_id.is_(None))
    assert session.scalar(orphans) == 0
    _history_is_the_exported_one(session, small_world)
    _personal_numbers_are_documents(session, small_world)


def _personal_numbers_are_documents(session: Session, world: Path) -> None:
    """Every exported personal number is one identity document of its person record."""
    from armsbridge.records.models import IdentityDocument

    items = {i["file"]: i for i in manifest(world)["imports"]}
    expected = set()
    for j, id_col, number_col in (("XK", "ID_PERSONI", "NR_PERSONAL"), ("MK", "ИД_ЛИЦЕ", "ЕМБГ")):
        for row in read_rows(world, items[f"{j.lower()}/persons.csv"]):
            if row[number_col]:
                expected.add((j, row[id_col], row[number_col], j))
    assert expected
    stored = [
        tuple(r)
        for r in session.execute(
            select(
                Person.jurisdiction,
                Person.external_ref,
                IdentityDocument.number,
                IdentityDocument.issuing_country,
            ).join(IdentityDocument, IdentityDocument.person_id == Person.id)
        )
    ]
    assert len(stored) == len(set(stored)) and set(stored) == expected


def _history_is_the_exported_one(session: Session, world: Path) -> None:
    """Every case's status history is the dated steps of case_status.csv, court refs included."""
    from armsbridge.vocab.values import parse_date

    items = {i["file"]: i for i in manifest(world)["imports"]}
    assert [i["profile"] for i in manifest(world)["imports"]][:2] == ["xk-cases", "xk-case-status"]
    terms = {}
    for item in (items["xk/cases.csv"], items["mk/cases.csv"]):
        from armsbridge.imports.profile import load_profile

        status = load_profile(item["profile"]).records[0].fields["status"]
        terms.update(status.map or {})
    expected = set()
    for j, cols in (
        ("XK", ("NR_RASTIT", "STATUSI", "DATA", "NR_LENDES_GJYKATA")),
        ("MK", ("БР_ПРЕДМЕТ", "СТАТУС", "ДАТУМ", "БР_ПРЕДМЕТ_СУД")),
    ):
        for row in read_rows(world, items[f"{j.lower()}/case_status.csv"]):
            ref, status, day, court = (row[c] for c in cols)
            expected.add((j, ref, terms[status], parse_date(day, field="d"), court or None))
    stored = {
        (j, ref, status, on, court)
        for j, ref, status, on, court in session.execute(
            select(
                Case.jurisdiction,
                Case.external_ref,
                CaseStatusChange.status,
                CaseStatusChange.changed_on,
                CaseStatusChange.court_reference,
            ).join(CaseStatusChange, CaseStatusChange.case_id == Case.id)
        )
    }
    assert stored == expected
    assert session.scalar(select(func.count()).select_from(CaseStatusChange)) == len(expected)


def test_build_demo_store_fills_a_fresh_sqlite_store(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    result = build_demo_store(settings, persons=150, seed=5, fresh=True)
    counts = result["counts"]
    assert counts["person"]["XK"] > 0 and counts["person"]["MK"] > 0
    assert counts["case"]["XK"] > 0 and counts["firearm"]["MK"] > 0
    assert all(r.rows_quarantined == 0 for r in result["reports"])
    passages = _passages(settings)
    side = result["manifest"]["passages"]["sides"]["XK"]["rows"]
    assert passages == {"XK": side}  # the node's own service's passages, no other
    again = build_demo_store(settings, persons=150, seed=5, fresh=False)
    assert again["counts"] == counts  # re-importing the same world duplicates nothing
    assert _passages(settings) == passages


def _passages(settings: Settings) -> dict[str, int]:
    engine = engine_from_settings(settings)
    try:
        with engine.connect() as conn:
            stmt = select(Passage.jurisdiction, func.count()).group_by(Passage.jurisdiction)
            return dict(conn.execute(stmt).all())
    finally:
        engine.dispose()
