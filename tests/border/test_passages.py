"""Importing border-crossing passages: whole or nothing, every bad row named, own service only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.models import User
from armsbridge.auth.service import principal_of
from armsbridge.border.models import Passage
from armsbridge.border.passages import FILE_COLUMNS, import_passages
from armsbridge.db.engine import make_engine
from armsbridge.db.registry import load_all_models
from armsbridge.errors import PermissionDenied, ValidationFailed

HEADER = ",".join(FILE_COLUMNS)
GOOD = [
    "HANI-ELEZIT-BLACE,2025-03-04 23:10,entry,van,DE,1,18-25,1,1,9,1,1,XK",
    "HANI-ELEZIT-BLACE,2025-03-05 12:00,exit,car,XK,2,36-50,0,0,0,0,0,XK",
    "JAZHINCE-JAZINCE,2025-03-06T04:30+01:00,,foot,,,,,0,,1,0,XK",
]


def _file(tmp_path: Path, lines: list[str], name: str = "passages.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _account(session, name: str, role: str = "analyst", jurisdiction: str = "XK"):  # noqa: ANN001
    user = User(username=name, role=role, jurisdiction=jurisdiction, password_hash="!")
    session.add(user)
    session.flush()
    return principal_of(user, via="session")


def _count(session) -> int:  # noqa: ANN001
    return session.scalar(select(func.count()).select_from(Passage))


def test_a_good_file_is_stored_with_its_rows_and_one_audit_entry(session, tmp_path) -> None:
    ana = _account(session, "ana-bp1")
    before = _count(session)
    report = import_passages(session, user=ana, path=_file(tmp_path, GOOD))
    assert (report.rows, report.found) == (3, 1)
    assert report.by_crossing == {"HANI-ELEZIT-BLACE": 2, "JAZHINCE-JAZINCE": 1}
    rows = list(session.scalars(select(Passage).order_by(Passage.id)))[before:]
    first, _second, third = rows
    assert (first.crossing, first.vehicle, first.plate, first.age_band) == (
        "HANI-ELEZIT-BLACE",
        "van",
        "DE",
        "18-25",
    )
    assert first.known and first.checked and first.weapons_found and first.male
    assert (first.passed_at.hour, first.passed_at.minute, first.occupants) == (23, 10, 1)
    assert first.jurisdiction == "XK" and first.source_ref == "passages.csv row 2"
    # An offset is turned into border time; empty optional cells stay unknown.
    assert third.passed_at.hour == 4 and third.direction is None and third.plate is None
    assert third.male is None and third.crossings_30d is None and not third.known
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.record_type == "passage").order_by(AuditEntry.seq)
    ).all()[-1]
    assert entry.action == "import" and entry.actor == "ana-bp1"
    assert entry.details["rows"] == 3 and entry.details["sha256"] == report.sha256
    again = import_passages(session, user=ana, path=_file(tmp_path, GOOD))
    assert again.already and again.rows == 0 and _count(session) == before + 3


def test_one_bad_row_stops_the_file_and_every_bad_row_is_named(session, tmp_path) -> None:
    ana = _account(session, "ana-bp2")
    before = _count(session)
    bad = [
        GOOD[0],
        "NOWHERE,2025-02-30 10:00,sideways,tractor,XK,2,36-50,0,0,0,0,0,XK",
        "HANI-ELEZIT-BLACE,2025-03-05 12:00,exit,car,GERMANY,300,17,maybe,0,0,0,1,MK",
        GOOD[1],
    ]
    with pytest.raises(ValidationFailed) as refused:
        import_passages(session, user=ana, path=_file(tmp_path, bad))
    assert _count(session) == before  # nothing written, not even the good rows
    assert "2 rows are not valid; nothing was imported" in str(refused.value)
    found = {(p["row"], p["field"]): (p["value"], p["expected"]) for p in refused.value.problems}
    assert found[("3", "crossing")][0] == "NOWHERE"
    assert "HANI-ELEZIT-BLACE" in found[("3", "crossing")][1]
    assert found[("3", "passed_at")] == ("2025-02-30 10:00", "a date and time, YYYY-MM-DD HH:MM")
    assert found[("3", "direction")][0] == "sideways"
    assert found[("3", "vehicle")] == ("tractor", "one of: car, van, bus, truck, foot")
    assert found[("4", "plate")][0] == "GERMANY"
    assert found[("4", "occupants")] == ("300", "a whole number from 0 to 200")
    assert found[("4", "age_band")][0] == "17" and found[("4", "male")][0] == "maybe"
    assert "only on a passage that was checked" in found[("4", "weapons_found")][1]
    assert found[("4", "jurisdiction")] == ("MK", "XK: a node holds its own service's passages")
    assert not any(p["row"] in ("2", "5") for p in refused.value.problems)


def test_a_missing_column_and_a_role_without_imports_are_refused(session, tmp_path) -> None:
    ana = _account(session, "ana-bp3")
    path = tmp_path / "short.csv"
    path.write_text("crossing,passed_at\nHANI-ELEZIT-BLACE,2025-03-04 23:10\n", encoding="utf-8")
    with pytest.raises(Exception, match="vehicle, known, checked, weapons_found, jurisdiction"):
        import_passages(session, user=ana, path=path)
    border = _account(session, "border-bp3", role="border_officer")
    with pytest.raises(PermissionDenied):
        import_passages(session, user=border, path=_file(tmp_path, GOOD))


def test_an_mk_node_refuses_kosovo_passages(session, tmp_path) -> None:
    mk = _account(session, "mk-bp4", jurisdiction="MK")
    with pytest.raises(ValidationFailed) as refused:
        import_passages(session, user=mk, path=_file(tmp_path, GOOD))
    assert {p["field"] for p in refused.value.problems} == {"jurisdiction"}
    assert len(refused.value.problems) == 3


def test_the_command_reports_each_bad_row_and_imports_nothing(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    load_all_models().metadata.create_all(engine)
    engine.dispose()
    env = {**os.environ, "ARMSBRIDGE_DATABASE_URL": url, "ARMSBRIDGE_VAR_DIR": str(tmp_path)}
    env.update(ARMSBRIDGE_JURISDICTION="XK", COLUMNS="250")

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "armsbridge.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            input=stdin,
            timeout=120,
        )

    made = run(
        "user", "add", "ana", "--role", "analyst", "--password-stdin", stdin="a long password 1\n"
    )
    assert made.returncode == 0, made.stderr
    bad = _file(tmp_path, [GOOD[0], GOOD[1].replace(",car,", ",tractor,")])
    refused = run("border", "import-passages", str(bad), "--user", "ana")
    assert refused.returncode == 2
    assert "row 3, column vehicle: 'tractor' - expected one of: car" in refused.stderr
    done = run("border", "import-passages", str(_file(tmp_path, GOOD, "ok.csv")), "--user", "ana")
    assert done.returncode == 0, done.stderr
    assert "3 passages imported, 1 with weapons found" in done.stdout
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Passage)) == 3
    engine.dispose()


def test_two_uploads_of_one_file_at_once_store_it_once(session, tmp_path, monkeypatch) -> None:
    # The second upload checked "imported before?" before the first was stored: the file's
    # rows are unique by (SHA-256, row), so its insert fails and it reports the first import.
    from armsbridge.border import passages

    ana = _account(session, "ana-bp-race")
    path = _file(tmp_path, GOOD)
    before = _count(session)
    import_passages(session, user=ana, path=path)
    monkeypatch.setattr(passages, "_imported_before", _first_call_finds_nothing())
    second = import_passages(session, user=ana, path=path)
    assert second.already and second.rows == 0
    assert _count(session) == before + len(GOOD)
    mine = (AuditEntry.record_type == "passage", AuditEntry.actor == ana.username)
    entries = session.scalars(select(AuditEntry).where(*mine)).all()
    assert len(entries) == 1  # the refused insert left no audit entry either


def _first_call_finds_nothing():  # noqa: ANN202
    from armsbridge.border import passages

    real, calls = passages._imported_before, []

    def check(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    return check
