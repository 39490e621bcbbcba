"""The labelled triage corpus the project keeps (data/corpus/*.jsonl): loading and splits."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).parent / "data" / "corpus"
LABELS = ("offer", "wanted", "other")
LANGUAGES = ("sq", "mk", "sr", "hr", "bs", "en")


@lru_cache(maxsize=4)
def _load(directory: str) -> tuple[dict[str, Any], ...]:
    rows: list[dict[str, Any]] = []
    for path in sorted(Path(directory).glob("*.jsonl")):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path.name} line {number}: not JSON ({exc.msg})") from exc
    return tuple(rows)


def load_corpus(split: str | None = None, directory: Path = CORPUS_DIR) -> list[dict[str, Any]]:
    """Return the corpus lines, all or of one split ("train", "test"; "unseen" lives apart)."""
    rows = _load(str(directory))
    return [dict(r) for r in rows if split is None or r.get("split") == split]


def group_of(row: dict[str, Any]) -> str:
    """Return the language and script group of a corpus line ('sr-Latn', 'mk-Cyrl', ...)."""
    return f"{row['language']}-{row['script']}"
