"""Export: CSV per record type and FollowTheMoney-style JSON lines, logged in the audit trail."""

from __future__ import annotations

import csv
import json

from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.records import service
from armsbridge.records.export import export_records
from principals import as_actor


def _world(session):
    person = service.create_record(
        session,
        record_type="person",
        data={
            "jurisdiction": "MK",
            "given_name": "Џафер",
            "family_name": "Бајрами",
            "sex": "M",
            "birth_date": "1980",
            "name_variants": ["Xhafer Bajrami"],
        },
        user=as_actor("a"),
    )
    phone = service.create_record(
        session,
        record_type="phone",
        data={"jurisdiction": "MK", "number_raw": "070 123 456"},
        user=as_actor("a"),
    )
    car = service.create_record(
        session,
        record_type="vehicle",
        data={"jurisdiction": "XK", "plate_raw": "01-123-AB"},
        user=as_actor("a"),
    )
    service.link_records(
        session,
        kind="user_of",
        from_type="person",
        from_id=person.id,
        to_type="phone",
        to_id=phone.id,
        user=as_actor("a"),
    )
    service.link_records(
        session,
        kind="owner_of",
        from_type="person",
        from_id=person.id,
        to_type="vehicle",
        to_id=car.id,
        user=as_actor("a"),
    )
    return person, phone, car


def test_csv_export_writes_one_file_per_type(session, tmp_path):
    person, _, _ = _world(session)
    counts = export_records(session, why="test export", out=tmp_path, fmt="csv", user=as_actor("a"))
    assert counts["person"] >= 1 and counts["link"] >= 2
    with (tmp_path / "person.csv").open(encoding="utf-8") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    row = rows[str(person.id)]
    assert row["given_name"] == "Џафер" and row["birth_date"] == "1980"
    assert json.loads(row["name_variants"]) == ["Xhafer Bajrami"]
    assert (tmp_path / "case_status_history.csv").exists()


def test_csv_export_of_one_jurisdiction(session, tmp_path):
    _world(session)
    export_records(
        session, why="test export", out=tmp_path, fmt="csv", jurisdiction="XK", user=as_actor("a")
    )
    with (tmp_path / "person.csv").open(encoding="utf-8") as handle:
        assert all(r["jurisdiction"] == "XK" for r in csv.DictReader(handle))
    with (tmp_path / "vehicle.csv").open(encoding="utf-8") as handle:
        assert [r["plate_normalised"] for r in csv.DictReader(handle)][-1] == "01123AB"


def test_ftm_export_has_id_schema_and_property_lists(session, tmp_path):
    person, phone, car = _world(session)
    export_records(session, why="test export", out=tmp_path, fmt="ftm", user=as_actor("a"))
    lines = (tmp_path / "entities.ftm.jsonl").read_text(encoding="utf-8").splitlines()
    entities = {e["id"]: e for e in map(json.loads, lines)}
    p = next(e for e in entities.values() if e["id"].endswith(f"-person-{person.id}"))
    assert p["schema"] == "Person"
    assert p["properties"]["firstName"] == ["Џафер"]
    assert p["properties"]["gender"] == ["male"]
    assert p["properties"]["alias"] == ["Xhafer Bajrami"]
    assert p["properties"]["country"] == ["mk"]
    ph = next(e for e in entities.values() if e["id"].endswith(f"-phone-{phone.id}"))
    assert ph["schema"] == "UserAccount" and ph["properties"]["number"] == ["+38970123456"]
    v = next(e for e in entities.values() if e["id"].endswith(f"-vehicle-{car.id}"))
    assert v["properties"]["registrationNumber"] == ["01-123-AB", "01123AB"]
    ownership = [e for e in entities.values() if e["schema"] == "Ownership"]
    assert any(
        o["properties"]["owner"] == [p["id"]] and o["properties"]["asset"] == [v["id"]]
        for o in ownership
    )
    links = [e for e in entities.values() if e["schema"] == "UnknownLink"]
    assert any(link["properties"]["object"] == [ph["id"]] for link in links)
    for entity in entities.values():
        assert all(isinstance(v, list) for v in entity["properties"].values())


def test_export_is_logged(session, tmp_path):
    _world(session)
    export_records(
        session,
        why="test export",
        out=tmp_path,
        fmt="ftm",
        jurisdiction="MK",
        user=as_actor("analyst7"),
    )
    entry = (
        session.execute(
            select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.seq.desc())
        )
        .scalars()
        .first()
    )
    assert entry.actor == "analyst7" and entry.details["format"] == "ftm"
    assert entry.jurisdiction == "MK"
