"""Calibre normalisation: one stored form for the many ways a calibre is written."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"

_TIMES = str.maketrans({"×": "x", "х": "x", "Х": "x", "✕": "x", "*": "x"})
_NOISE_WORDS = re.compile(
    r"\b(?:calibre|caliber|cal|kalibar|kalibër|kaliber|kal|калибар|кал)\b\.?", re.IGNORECASE
)
_MM = re.compile(r"(?<=[\d\s.])(?:mm|мм)\b")
_METRIC = re.compile(r"^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(r?)")


@dataclass(frozen=True)
class Calibre:
    """One calibre of the reference table."""

    name: str
    kind: str
    blank: bool
    source: str
    verified: bool
    ignition: str | None = None
    ignition_source: str = ""


def calibre_key(text: str) -> str:
    """Return the comparison key of a calibre text (separators, 'mm', 'cal.' and case ignored)."""
    s = unicodedata.normalize("NFKC", text).translate(_TIMES).lower()
    s = re.sub(r"(\d),(\d)", r"\1.\2", s)
    s = _NOISE_WORDS.sub(" ", s)
    s = _MM.sub(" ", s)
    s = re.sub(r"(\d)\s*x\s*(\d)", r"\1x\2", s)
    # A dot is a decimal point only between two digits; elsewhere it abbreviates (P.A.K., .22).
    s = re.sub(r"(?<!\d)\.|\.(?!\d)", "", s)
    return re.sub(r"[\s\-_]+", "", s)


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Calibre], str]:
    raw: dict[str, Any] = yaml.safe_load((DATA_DIR / "calibres.yaml").read_text("utf-8"))
    by_key: dict[str, Calibre] = {}
    primers = raw.get("ignition") or {}
    ignition_of = {
        name: kind for kind in ("centre_fire", "rimfire") for name in primers.get(kind, [])
    }
    for entry in raw["calibres"]:
        cal = Calibre(
            name=entry["name"],
            kind=entry.get("kind", "other"),
            blank=bool(entry.get("blank", False)),
            source=entry["source"],
            verified=bool(entry.get("verified", False)),
            ignition=ignition_of.get(entry["name"]),
            ignition_source=str(primers.get("source", "")),
        )
        for spelling in [entry["name"], *entry.get("aliases", [])]:
            by_key.setdefault(calibre_key(spelling), cal)
    return by_key, str(raw["version"])


def _num(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def lookup_calibre(text: str | None) -> Calibre | None:
    """Return the reference-table entry for a calibre text, or None when it is not in the table."""
    if not text or not text.strip():
        return None
    table, _ = _table()
    key = calibre_key(text)
    if key in table:
        return table[key]
    m = _METRIC.match(key)
    if m:
        return table.get(f"{_num(m.group(1))}x{_num(m.group(2))}{m.group(3)}")
    return None


def normalise_calibre(text: str | None) -> str | None:
    """Return the normalised calibre ('7.62x39', '9 mm P.A.K.', ...) or None when unreadable."""
    if text is None or not str(text).strip():
        return None
    found = lookup_calibre(str(text))
    if found:
        return found.name
    key = calibre_key(str(text))
    m = _METRIC.match(key)
    if m:
        return f"{_num(m.group(1))}x{_num(m.group(2))}{m.group(3).upper()}"
    if not any(ch.isdigit() for ch in key):
        return None
    # Not in the table: keep a stable, readable form so equal spellings still compare equal.
    tidy = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text))).strip().upper()
    return re.sub(r"(\d)\s*MM\b", r"\1 MM", tidy)


def is_blank_calibre(text: str | None) -> bool:
    """Tell whether a calibre text names a blank/alarm cartridge (C.I.P. Table VIII)."""
    found = lookup_calibre(text)
    return bool(found and found.blank)


def calibres_version() -> str:
    """Return the version of the calibre reference table."""
    return _table()[1]
