"""The matching benchmark runs at a small size and reports figures for every method."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_small_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench/matching.py"),
            "--sizes",
            "600",
            "--items",
            "--methods",
            "armsbridge,translit",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(out.read_text())["results"]
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
