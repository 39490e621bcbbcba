"""The labelled triage corpus the project keeps (data/corpus/*.jsonl): loading and splits."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from armsbridge.monitoring.text import fold_text

CORPUS_DIR = Path(__file__).parent / "data" / "corpus"
LABELS = ("offer", "wanted", "other")
LANGUAGES = ("sq", "mk", "sr", "hr", "bs", "en")
_NON_WORD = re.compile(r"\W+", re.UNICODE)


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


def same_words(text: str) -> str:
    """Return a text's words, lower-cased, without diacritics or punctuation (kept script)."""
    return _NON_WORD.sub(" ", fold_text(text.lower()) if _is_latin(text) else text.lower()).strip()


def _is_latin(text: str) -> bool:
    return not any("\u0400" <= ch <= "\u04ff" for ch in text)


def valid_languages(rows: Iterable[dict[str, Any]]) -> dict[str, frozenset[str]]:
    """Return, per words of a line, every language a line of the same words is written as.

    Short Serbian, Croatian and Bosnian posts are often word for word the same in two or three
    of them; such a line is right in each, so no identifier can name the one it was filed under.
    """
    out: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        out[same_words(row["text"])].add(row["language"])
    return {words: frozenset(languages) for words, languages in out.items()}
