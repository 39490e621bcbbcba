"""The matching benchmark runs at a small size and reports figures for every method."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench(tmp_path: Path, *args: str) -> list[dict]:
    """Run bench/matching.py with `args`; return its results."""
    out = tmp_path / "m.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench/matching.py"), *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(out.read_text())["results"]


@pytest.mark.slow
def test_bench_small_self_contained(tmp_path: Path) -> None:
    results = _bench(tmp_path, "--sizes", "600", "--items", "--methods", "armsbridge,translit")
    by = {(r["entity"], r["method"]): r for r in results}
    ours, base = by[("person", "armsbridge")], by[("person", "translit")]
    assert "error" not in ours and "error" not in base
    for key in ("precision", "recall", "f1", "seconds", "peak_gb", "cross_script"):
        assert key in ours
    assert ours["f1"] > 0.8
    assert ours["cross_script"]["f1"] > base["cross_script"]["f1"]
    assert "vs_translit" in ours
    assert by[("firearm", "armsbridge")]["f1"] > 0.5
    assert by[("vehicle", "armsbridge")]["f1"] > 0.5


@pytest.mark.slow
@pytest.mark.xdist_group("spark")
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (.ci/run installs it)")
def test_spark_trains_and_links_as_well_as_duckdb(tmp_path: Path) -> None:
    # 2,500 persons per side: enough for the engine to train (EM, u sampling) on each backend.
    results = _bench(tmp_path, "--sizes", "2500", "--methods", "armsbridge,spark")
    by = {r["method"]: r for r in results}
    duck, spark = by["armsbridge"], by["spark"]
    assert "error" not in spark, spark.get("error")
    assert duck["trained"] and spark["trained"]
    # u is sampled by each backend's own random pairs: the models differ a little, not the result.
    assert spark["f1"] > 0.93 and spark["cross_script"]["f1"] > 0.93
    assert abs(spark["vs_duckdb"]["f1_points"]) < 2
