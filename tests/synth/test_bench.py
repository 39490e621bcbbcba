"""bench/synth.py runs at a small size and writes its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_reports_time_memory_and_ratio(tmp_path: Path) -> None:
    out = tmp_path / "synth.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench/synth.py"), "--sizes", "300", "--results", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "ratio" in proc.stdout
    result = json.loads(out.read_text(encoding="utf-8"))["results"][0]
    assert result["persons"] == 300
    assert result["rows"] > 300 and result["seconds"] > 0 and result["peak_mb"] > 0
    assert result["cpu_seconds"] > 0 and result["ratio_to_csv_only"] > 0
