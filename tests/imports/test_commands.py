"""`armsbridge import`: counts, quarantine path, exit codes, plain errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

from import_helpers import CASE_HEADER, CASES, PERSON_HEADER, PERSONS, run_cli, write_csv
from sqlalchemy import func, select

from armsbridge.db.engine import make_engine
from armsbridge.records.models import Case


def _run(args: list[str], tmp_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    return run_cli(args, tmp_path, url)


def _cases(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(Case))
    engine.dispose()
    return int(n or 0)


def test_import_prints_counts_and_exits_0(tmp_path, store):
    rows = [["XK-1", "XK", "trafikim", "01.02.2024", "", "", "", "", ""]]
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, rows)
    result = _run(["import", str(CASES), str(path)], tmp_path, store)
    assert result.returncode == 0, result.stderr
    assert "1 rows read, 1 valid, 0 quarantined" in result.stdout
    assert _cases(store) == 1


def test_import_with_rejected_rows_exits_1_and_names_the_quarantine(tmp_path, store):
    rows = [
        ["XK-1", "XK", "trafikim", "01.02.2024", "", "", "", "", ""],
        ["XK-2", "XK", "vjedhje", "32.01.2024", "", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, rows)
    quarantine = tmp_path / "rejected.csv"
    result = _run(
        ["import", str(CASES), str(path), "--quarantine", str(quarantine)], tmp_path, store
    )
    assert result.returncode == 1
    assert "2 rows read, 1 valid, 1 quarantined" in result.stdout
    assert "c.csv, row 3, column LLOJI: 'vjedhje'" in result.stdout
    assert str(quarantine) in result.stdout.replace("\n", "")
    assert quarantine.exists() and _cases(store) == 1


def test_dry_run_writes_nothing(tmp_path, store):
    rows = [["1", "Ana", "Gashi", "", "1990", "F", "", "", "", ""]]
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, rows)
    result = _run(["import", str(PERSONS), str(path), "--dry-run"], tmp_path, store)
    assert result.returncode == 0, result.stderr
    assert "dry run (nothing written)" in result.stdout


def test_unknown_profile_and_missing_file_are_plain_errors(tmp_path, store):
    result = _run(["import", "no-such-profile", str(tmp_path / "x.csv")], tmp_path, store)
    assert result.returncode == 2
    assert "no mapping profile 'no-such-profile'" in result.stderr
    assert "Traceback" not in result.stderr
    missing = _run(["import", str(CASES), str(tmp_path / "x.csv")], tmp_path, store)
    assert missing.returncode == 2 and "no such file" in " ".join(missing.stderr.split())


def test_a_bad_profile_file_is_a_plain_error_naming_file_and_key(tmp_path, store):
    profile = tmp_path / "mine.yaml"
    profile.write_text(
        "name: mine\njurisdiction: XK\nrecords:\n  person:\n    type: person\n"
        '    key: "{ID}"\n    fields: {given_name: EMRI, gender: GJINIA}\n',
        encoding="utf-8",
    )
    path = write_csv(tmp_path / "p.csv", ["ID", "EMRI", "GJINIA"], [["1", "Ana", "F"]])
    result = _run(["import", str(profile), str(path)], tmp_path, store)
    assert result.returncode == 2
    err = " ".join(result.stderr.split())
    assert f"profile {profile}: records.person.fields.gender: 'gender' is not a field of" in err
    assert "Traceback" not in result.stderr and "pydantic" not in result.stderr.lower()
