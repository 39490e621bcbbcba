"""The `armsbridge synth` command: writes a world, refuses a bad size with a clear message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).with_name("armsbridge")


def test_synth_command_writes_world_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "w"
    proc = subprocess.run(
        [str(BIN), "synth", "--out", str(out), "--seed", "2", "--persons", "60"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 2 and manifest["persons"] == 60
    assert (out / "xk/persons.csv").is_file() and (out / "mk/persons.csv").is_file()
    assert "xk-persons" in proc.stdout


def test_synth_command_refuses_zero_persons(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(BIN), "synth", "--out", str(tmp_path), "--persons", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "--persons must be at least 1" in proc.stderr
    assert "Traceback" not in proc.stderr
