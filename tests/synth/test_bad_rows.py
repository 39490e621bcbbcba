"""`synth --bad-rows`: spoiled rows end up in quarantine with a reason, every other row imports."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from synth_helpers import manifest

from armsbridge.errors import UserError
from armsbridge.imports.service import import_file
from armsbridge.synth.service import generate_world
from principals import as_actor


@pytest.fixture(scope="module")
def spoiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("spoiled")
    generate_world(out, seed=21, persons=300, bad_rows=0.08)
    return out


def _truth(world: Path) -> dict[str, dict[int, dict[str, str]]]:
    bad: dict[str, dict[int, dict[str, str]]] = defaultdict(dict)
    with (world / "truth" / "bad_rows.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            bad[row["file"]][int(row["row"])] = row
    return bad


def test_every_bad_row_is_quarantined_with_its_reason_and_every_good_row_imported(
    session: Session, spoiled: Path, tmp_path: Path
) -> None:
    bad = _truth(spoiled)
    problems = {r["problem"] for rows in bad.values() for r in rows.values()}
    assert problems == {"impossible_date", "unknown_code", "too_long"}
    assert manifest(spoiled)["bad_rows"]["rows"] == sum(len(r) for r in bad.values())
    for item in manifest(spoiled)["imports"]:
        quarantine = tmp_path / f"{item['profile']}.csv"
        report = import_file(
            session,
            profile=item["profile"],
            path=spoiled / item["file"],
            user=as_actor("test"),
            quarantine_path=quarantine,
        )
        expected = bad.get(item["file"], {})
        assert report.rows_imported == item["rows"] - len(expected), item["file"]
        assert report.rows_quarantined == len(expected), [str(e) for e in report.errors[:3]]
        if not expected:
            continue
        with quarantine.open(encoding="utf-8-sig", newline="") as handle:
            held = {int(r["row"]): r for r in csv.DictReader(handle)}
        assert set(held) == set(expected), item["file"]
        for number, truth in expected.items():
            reason = held[number]["errors"]
            assert truth["column"] in reason and truth["value"] in reason, (truth, reason)
            assert held[number][truth["column"]] == truth["value"]


def test_bad_rows_are_deterministic_and_absent_by_default(tmp_path: Path) -> None:
    generate_world(tmp_path / "a", seed=4, persons=120, bad_rows=0.1)
    generate_world(tmp_path / "b", seed=4, persons=120, bad_rows=0.1)
    generate_world(tmp_path / "c", seed=4, persons=120)
    for name in ("truth/bad_rows.csv", "xk/persons.csv", "mk/firearms.csv", "mk/case_status.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "mk/case_status.csv").read_bytes() != (
        tmp_path / "c" / "mk/case_status.csv"
    ).read_bytes()
    assert not (tmp_path / "c" / "truth" / "bad_rows.csv").exists()
    assert "bad_rows" not in manifest(tmp_path / "c")
    with pytest.raises(UserError, match="--bad-rows"):
        generate_world(tmp_path / "d", seed=4, persons=120, bad_rows=1.5)
