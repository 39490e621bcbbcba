"""bench/import.py runs at a small size and writes its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_import_benchmark_small(tmp_path):
    out = tmp_path / "import.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "import.py"),
            "--rows",
            "300",
            "--no-pg",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text(encoding="utf-8"))["results"][0]
    assert figures["engine"] == "sqlite" and figures["rows"] == 300
    assert figures["import_rows_per_s"] > 0 and figures["raw_rows_per_s"] > 0
    assert "import / raw" in result.stdout
