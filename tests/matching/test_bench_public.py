"""The FEBRL benchmark and the noise study score against the truth and run on small subsets."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201 - returns the bench modules
    """Import the bench scripts as the scripts import each other (bench/ on the path)."""
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    import matching_noise
    import matching_public

    return matching_public, matching_noise


def _run(tmp_path: Path, script: str, *args: str) -> tuple[list[dict], str]:
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(out.read_text())["results"], proc.stdout


def test_scores_come_from_the_truth(bench, tmp_path: Path) -> None:
    public, _noise = bench
    truth = {("rec-1-org", "rec-1-dup-0"), ("rec-2-org", "rec-2-dup-0")}

    def scores(rows: list[tuple[str, str, float]]) -> dict:
        path = tmp_path / "pairs.csv"
        lines = ["left_id,right_id,probability", *(f"{a},{b},{p}" for a, b, p in rows)]
        path.write_text("\n".join(lines) + "\n")
        return public.pair_scores(public.read_pairs(path), truth)

    nothing = scores([])
    assert (nothing["precision"], nothing["recall"], nothing["f1"]) == (0.0, 0.0, 0.0)
    assert scores([(a, b, 0.9) for a, b in truth])["f1"] == 1.0
    # A pair below the threshold is not a prediction; a wrong pair costs precision only.
    half = scores([("rec-1-org", "rec-1-dup-0", 0.9), ("rec-2-org", "rec-2-dup-0", 0.4)])
    assert (half["precision"], half["recall"]) == (1.0, 0.5)
    wrong = scores([(a, b, 0.9) for a, b in truth] + [("rec-1-org", "rec-2-dup-0", 0.8)])
    assert (wrong["recall"], wrong["precision"]) == (1.0, round(2 / 3, 4))


def test_dedupe_sets_become_originals_against_duplicates(bench) -> None:
    public, _noise = bench
    left, right, truth = public.load_set("febrl3", limit=50)
    assert len(left) == 50 and all(r["rec_id"].endswith("-org") for r in left)
    assert right and all("-dup-" in r["rec_id"] for r in right)
    # Every duplicate is paired with its own original, and with nothing else.
    assert len(truth) == len(right)
    assert all(a.split("-")[1] == b.split("-")[1] for a, b in truth)


def test_variants_write_the_right_side_in_another_script(bench) -> None:
    public, _noise = bench
    _left, right, _truth = public.load_set("febrl4")
    mk = public.variant_rows(right, "mk", "given")
    sq = public.variant_rows(right, "sq", "blanked")
    for col in ("given_name", "surname", "address_1", "suburb"):
        assert not any(re.search("[a-z]", r[col] or "") for r in mk), col
        assert not any(re.search("[а-ш]", r[col] or "") for r in sq), col
    assert public.to_albanian("charles") == "charles" and public.to_albanian("wyatt") == "vjatt"
    assert public.to_macedonian("xavier") == "ксавиер"
    assert sum(public.impossible_date(r["date_of_birth"]) for r in mk) > 0
    assert not any(public.impossible_date(r["date_of_birth"]) for r in sq)


def test_noise_is_applied_at_its_rate(bench) -> None:
    _public, noise = bench
    rows = [
        {"given_name": "Arben", "family_name": "Berisha", "father_name": "Ilir", "birth_date": d}
        for d in ("1980-04-02", "1975")
    ]
    assert noise.add_noise(rows, {k: 0.0 for k in noise.KINDS}, 1) == rows
    inverted = noise.add_noise(rows, {"inverted": 1.0}, 1)
    assert [r["given_name"] for r in inverted] == ["Berisha", "Berisha"]
    years = noise.add_noise(rows, {"year_only": 1.0}, 1)
    assert [r["birth_date"] for r in years] == ["1980", "1975"]
    assert not any(r["father_name"] for r in noise.add_noise(rows, {"no_father": 1.0}, 1))
    for r in noise.add_noise(rows, {"typo": 1.0}, 1):
        assert r["given_name"] != "Arben" and len(r["given_name"]) == 5
    for r in noise.add_noise(rows, {"deletion": 1.0}, 1):
        assert len(r["family_name"]) == len("Berisha") - 1
    for r in noise.add_noise(rows, {"transposition": 1.0}, 1):
        assert sorted(r["family_name"]) == sorted("Berisha") and r["family_name"] != "Berisha"


@pytest.mark.slow
def test_public_bench_runs_on_a_subset(tmp_path: Path) -> None:
    results, stdout = _run(
        tmp_path,
        "matching_public.py",
        *("--sets", "febrl4", "--limit", "250", "--variants", "given,mk", "--dates", "blanked"),
        *("--methods", "armsbridge,splink_translit"),
    )
    by = {(r["variant"], r["method"]): r for r in results}
    assert set(by) == {(v, m) for v in ("given", "mk") for m in ("armsbridge", "splink_translit")}
    for row in results:
        assert "error" not in row, row["error"]
        assert row["true_pairs"] == 250 and row["pairs_compared"] >= row["predicted"]
        # A true pair found was compared first.
        assert row["blocking_recall"] >= row["recall"]
    assert by[("mk", "splink_translit")]["f1"] > 0.9
    assert "| febrl4 | mk | blanked | splink_translit |" in stdout


@pytest.mark.slow
def test_noise_study_runs_on_a_subset(tmp_path: Path) -> None:
    results, stdout = _run(
        tmp_path, "matching_noise.py", "--size", "400", "--kinds", "deletion", "--rates", "0,30"
    )
    by = {r["kind"]: r for r in results}
    assert set(by) == {"none", "deletion", "combined"}
    assert by["deletion"]["rates"] == {"deletion": 30}
    assert by["deletion"]["recall"] < by["none"]["recall"]
    assert "lowest rate (%) with recall below 0.97" in stdout
