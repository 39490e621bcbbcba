"""Exports leave out records received under H2 and say so; H0/H1/H3 ones carry their marking."""

from __future__ import annotations

import csv
import json

from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.records import service
from armsbridge.records.export import WITHHELD_FILE, run_export
from foreign_records import CODES, RESTRICTION, TYPES, add_foreign_world, markers
from principals import as_actor


def _all_text(folder) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()))


def _h2_values() -> list[str]:
    return list(markers("H2").values())


def test_csv_export_omits_h2_and_reports_it(session, tmp_path) -> None:
    world = add_foreign_world(session)
    own = service.create_record(
        session,
        record_type="case",
        data={"jurisdiction": "XK", "reference": "XK-OWN-1", "kind": "trafficking"},
        user=as_actor("a"),
    )
    # An own link naming an H2 record would carry its id (and so its existence) off the node.
    service.link_records(
        session,
        kind="involved_in",
        from_type="person",
        from_id=world.ids[("H2", "person")],
        to_type="case",
        to_id=own.id,
        user=as_actor("a"),
    )
    result = run_export(session, why="handling test", out=tmp_path, fmt="csv", user=as_actor("a"))
    text = _all_text(tmp_path)
    leaked = [v for v in _h2_values() if v in text]
    assert not leaked, f"H2 values in the export: {leaked}"
    assert result.withheld.counts == {t: 1 for t in TYPES} | {"link": 2}
    report = (tmp_path / WITHHELD_FILE).read_text(encoding="utf-8")
    assert "8 record(s) left out" in report and "H2" in report
    with (tmp_path / "person.csv").open(encoding="utf-8") as handle:
        rows = {r["given_name"]: r for r in csv.DictReader(handle)}
    for code in ("H0", "H1", "H3"):
        row = rows[markers(code)["given_name"]]
        assert row["provenance_provider"] == "MK" and row["provenance_handling_code"] == code
    assert "judicial proceedings" in rows[markers("H1")["given_name"]]["provenance_notice"]
    assert RESTRICTION in rows[markers("H3")["given_name"]]["provenance_notice"]
    assert rows[markers("H1")["given_name"]]["provenance_grades"] == "B2"
    assert own.reference in (tmp_path / "case.csv").read_text(encoding="utf-8")
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.details["withheld_h2"]["person"] == 1


def test_ftm_export_omits_h2_and_marks_the_rest(session, tmp_path) -> None:
    add_foreign_world(session)
    result = run_export(session, why="handling test", out=tmp_path, fmt="ftm", user=as_actor("a"))
    text = _all_text(tmp_path)
    assert not [v for v in _h2_values() if v in text]
    assert result.withheld.total >= len(TYPES)
    entities = [json.loads(line) for line in (tmp_path / "entities.ftm.jsonl").open()]
    h1 = next(e for e in entities if markers("H1")["given_name"] in json.dumps(e))
    assert h1["properties"]["publisher"] == ["MK"]
    assert any("judicial proceedings" in n for n in h1["properties"]["notes"])


def test_an_export_without_foreign_records_writes_no_report(session, tmp_path) -> None:
    service.create_record(
        session,
        record_type="person",
        data={"jurisdiction": "XK", "family_name": "Krasniqi"},
        user=as_actor("a"),
    )
    result = run_export(session, why="handling test", out=tmp_path, fmt="csv", user=as_actor("a"))
    assert result.withheld.total == 0 and not (tmp_path / WITHHELD_FILE).exists()
    assert set(CODES) == {"H0", "H1", "H2", "H3"}
