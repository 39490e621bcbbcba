"""Folded text for triage: lower-case, Cyrillic read as Latin, no diacritics, with a map back.

Posts mix scripts and drop diacritics (ë typed e, š typed s), so lexicon terms, make and model
names and classifier features are all matched on one folded form. Every folded character keeps
the index of the character it came from, so a match on the folded text has a span in the
original text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from armsbridge.firearms.reference import to_latin

_SPECIAL = {"đ": "dj", "Đ": "dj", "ß": "ss", "ł": "l", "×": "x"}
_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    latin = to_latin(ch)
    out = []
    for part in latin:
        if part in _SPECIAL:
            out.append(_SPECIAL[part])
            continue
        base = unicodedata.normalize("NFKD", part)
        out.append("".join(c for c in base if not unicodedata.combining(c)).lower())
    return "".join(out)


@dataclass(frozen=True)
class Folded:
    """A text folded for matching, with the original index of every folded character."""

    original: str
    text: str
    index: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Return the original span of the folded characters start..end."""
        if start >= end:
            return (self.index[start] if start < len(self.index) else len(self.original),) * 2
        return self.index[start], self.index[end - 1] + 1

    def words(self) -> list[tuple[str, int, int]]:
        """Return the folded words (letters and digits) with their folded start and end."""
        return [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(self.text)]


def fold(text: str) -> Folded:
    """Fold a text (ПИШТОЉ Glock -> 'pistolj glock') keeping the map to the original."""
    pieces: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch) if not ch.isascii() else ch.lower()
        pieces.append(folded)
        index.extend([i] * len(folded))
    return Folded(text, "".join(pieces), tuple(index))


def fold_text(text: str) -> str:
    """Return only the folded form of a text."""
    return fold(text).text
