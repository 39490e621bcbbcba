"""The triage lexicon (data/lexicon.yaml): weapon-kind words, classification cues, calibre forms.

A term is a stem (matches a word starting with it and at most four letters longer), "=word"
(the whole word only), or several such parts that match consecutive words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from armsbridge.monitoring.text import Folded

DATA_DIR = Path(__file__).parent / "data"
MAX_SUFFIX = 4  # letters an inflected word may add to a stem (pištolj -> pištolja)


@dataclass(frozen=True)
class Hit:
    """A lexicon term found in a folded text: which group, which term, which words."""

    group: str
    term: str
    first: int  # index of the first word matched
    last: int  # index of the last word matched (inclusive)
    start: int  # folded character offsets
    end: int


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """Return the parsed lexicon file."""
    data: dict[str, Any] = yaml.safe_load((DATA_DIR / "lexicon.yaml").read_text("utf-8"))
    return data


def _part_matches(part: str, word: str) -> bool:
    if part.startswith("="):
        return word == part[1:]
    return word.startswith(part) and len(word) - len(part) <= MAX_SUFFIX


def find_terms(folded: Folded, groups: dict[str, list[str]]) -> list[Hit]:
    """Return the hits of each group's terms, longest first, a word used by one hit only."""
    words = folded.words()
    terms = sorted(
        ((g, t, t.split()) for g, ts in groups.items() for t in ts),
        key=lambda item: -len(item[2]),
    )
    used: set[int] = set()
    hits: list[Hit] = []
    for group, term, parts in terms:
        n = len(parts)
        for i in range(len(words) - n + 1):
            span = range(i, i + n)
            if any(j in used for j in span):
                continue
            if all(_part_matches(p, words[i + k][0]) for k, p in enumerate(parts)):
                used.update(span)
                hits.append(Hit(group, term, i, i + n - 1, words[i][1], words[i + n - 1][2]))
    return sorted(hits, key=lambda h: h.first)


def kind_terms() -> dict[str, list[str]]:
    """Return {weapon kind: terms}."""
    return {kind: list(entry["terms"]) for kind, entry in lexicon()["kinds"].items()}


def cue_terms() -> dict[str, list[str]]:
    """Return {cue group (offer, wanted, illicit, other): terms}."""
    return {group: list(entry["terms"]) for group, entry in lexicon()["cues"].items()}
