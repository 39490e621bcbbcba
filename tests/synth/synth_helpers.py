"""Readers of a generated world for the synth tests."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

WORLD_PERSONS = 1000
WORLD_SEED = 7


def manifest(world_dir: Path) -> dict[str, Any]:
    """Return the manifest of a generated world."""
    return json.loads((world_dir / "manifest.json").read_text(encoding="utf-8"))


def read_rows(world_dir: Path, item: dict[str, Any]) -> list[dict[str, str]]:
    """Read one export file with the encoding and delimiter the manifest declares."""
    text = (world_dir / item["file"]).read_bytes().decode(item["encoding"])
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=item["delimiter"]))


def truth_rows(world_dir: Path, kind: str) -> list[dict[str, str]]:
    """Read one truth file."""
    with (world_dir / "truth" / f"{kind}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
