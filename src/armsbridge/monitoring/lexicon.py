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


def _bucket(part: str) -> str:
    bare = part.lstrip("=")
    return bare if len(bare) < 3 else bare[:3]


@lru_cache(maxsize=8)
def _compiled(groups: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, list]:
    """Index the terms by the first three letters of their first word."""
    index: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for group, terms in groups:
        for term in terms:
            parts = tuple(term.split())
            index.setdefault(_bucket(parts[0]), []).append((group, term, parts))
    return index


def find_terms(folded: Folded, groups: tuple[tuple[str, tuple[str, ...]], ...]) -> list[Hit]:
    """Return the hits of each group's terms, longest first, a word used by one hit only."""
    words = folded.words()
    index = _compiled(groups)
    candidates = []
    for i, (word, _, _) in enumerate(words):
        options = index.get(word[:3], []) + (index.get(word, []) if len(word) < 3 else [])
        for group, term, parts in options:
            n = len(parts)
            if i + n <= len(words) and all(
                _part_matches(p, words[i + k][0]) for k, p in enumerate(parts)
            ):
                candidates.append((-n, i, group, term))
    used: set[int] = set()
    hits: list[Hit] = []
    for neg, i, group, term in sorted(candidates):
        span = range(i, i - neg)
        if any(j in used for j in span):
            continue
        used.update(span)
        last = i - neg - 1
        hits.append(Hit(group, term, i, last, words[i][1], words[last][2]))
    return sorted(hits, key=lambda h: h.first)


@lru_cache(maxsize=1)
def kind_terms() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return ((weapon kind, terms), ...)."""
    return tuple((kind, tuple(e["terms"])) for kind, e in lexicon()["kinds"].items())


@lru_cache(maxsize=1)
def cue_terms() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return ((cue group: offer, wanted, illicit, other), terms), ...)."""
    return tuple((group, tuple(e["terms"])) for group, e in lexicon()["cues"].items())
