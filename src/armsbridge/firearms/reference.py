"""Reference data: known makes and models (blank-firing models known to be converted, common
military models) and the markings parser."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from armsbridge.firearms.calibre import lookup_calibre

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class ModelEntry:
    """One row of the make/model reference table."""

    make: str
    model: str
    kind: str
    action: str | None
    calibre: str | None
    blank_firing: bool
    known_converted: bool
    origin: str | None
    notes: str
    source: str
    verified: bool
    make_keys: frozenset[str] = field(default_factory=frozenset, repr=False)
    model_keys: frozenset[str] = field(default_factory=frozenset, repr=False)
    family: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the entry without its lookup keys."""
        return {
            k: getattr(self, k)
            for k in (
                "make",
                "model",
                "kind",
                "action",
                "calibre",
                "blank_firing",
                "known_converted",
                "origin",
                "notes",
                "source",
                "verified",
            )
        }


@dataclass(frozen=True)
class Marking:
    """One marking found in a text: what it is, what it means, where it was found."""

    kind: str
    text: str
    meaning: str
    blank: bool
    conversion: bool
    source: str
    verified: bool


def _key(text: str | None) -> str:
    return re.sub(r"[^0-9A-ZА-ЯЁЃЌЅЈЉЊЏÇË]", "", (text or "").upper())


def _split(cell: str) -> list[str]:
    return [p.strip() for p in (cell or "").split(";") if p.strip()]


@lru_cache(maxsize=1)
def load_models() -> tuple[ModelEntry, ...]:
    """Load the make/model reference table (data/models.csv)."""
    entries = []
    with (DATA_DIR / "models.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            entries.append(
                ModelEntry(
                    make=row["make"],
                    model=row["model"],
                    kind=row["kind"],
                    action=row["action"] or None,
                    calibre=row["calibre"] or None,
                    blank_firing=row["blank_firing"] == "yes",
                    known_converted=row["known_converted"] == "yes",
                    origin=row["origin"] or None,
                    notes=row["notes"],
                    source=row["source"],
                    verified=row["verified"].strip().lower() == "true",
                    make_keys=frozenset(
                        _key(m) for m in [row["make"], *_split(row["make_aliases"])]
                    ),
                    model_keys=frozenset(
                        _key(m) for m in [row["model"], *_split(row["model_aliases"])] if m != "*"
                    ),
                    family=row["family"] == "yes",
                )
            )
    return tuple(entries)


def lookup_model(make: str | None, model: str | None) -> ModelEntry | None:
    """Return the reference entry for a make and model: the model row, else the make's '*' row."""
    make_key, model_key = _key(make), _key(model)
    best: tuple[int, ModelEntry] | None = None
    for entry in load_models():
        make_ok = bool(make_key) and make_key in entry.make_keys
        if make_key and not make_ok:
            continue
        score = 0
        if model_key and model_key in entry.model_keys:
            score = 3
        elif model_key and entry.family and any(model_key.startswith(k) for k in entry.model_keys):
            score = 2
        elif make_ok and not entry.model_keys:
            score = 1
        # A model alone identifies a row only when it is distinctive (M70, M57, Tuna, ...).
        distinctive = make_ok or (score >= 2 and len(model_key) >= 3)
        if score and distinctive and (best is None or score > best[0]):
            best = (score, entry)
    return best[1] if best else None


@lru_cache(maxsize=1)
def _marking_rules() -> tuple[tuple[re.Pattern[str], dict[str, Any]], ...]:
    raw = yaml.safe_load((DATA_DIR / "markings.yaml").read_text("utf-8"))
    return tuple((re.compile(m["pattern"], re.IGNORECASE), m) for m in raw["markings"])


def parse_markings(text: str | None) -> list[Marking]:
    """Recognise blank/alarm, proof, deactivation and conversion markings and calibres in a text."""
    if not text:
        return []
    found: list[Marking] = []
    seen_kinds: set[str] = set()
    for rx, rule in _marking_rules():
        m = rx.search(text)
        if not m:
            continue
        # The general PTB rule only adds something when the numbered one did not match.
        if rule["kind"] == "ptb_mark" and "ptb_mark" in seen_kinds:
            continue
        seen_kinds.add(rule["kind"])
        found.append(
            Marking(
                kind=rule["kind"],
                text=m.group(0),
                meaning=rule["meaning"],
                blank=bool(rule.get("blank", False)),
                conversion=bool(rule.get("conversion", False)),
                source=rule["source"],
                verified=bool(rule.get("verified", False)),
            )
        )
    for cal_text in _calibre_candidates(text):
        cal = lookup_calibre(cal_text)
        if cal:
            found.append(
                Marking(
                    kind="calibre",
                    text=cal_text,
                    meaning=f"calibre {cal.name}" + (" (blank cartridge)" if cal.blank else ""),
                    blank=cal.blank,
                    conversion=False,
                    source=cal.source,
                    verified=cal.verified,
                )
            )
            break
    return found


_CAL_RX = re.compile(
    r"(?:cal\.?\s*)?(?:\.\d{2,3}|\d{1,2}(?:[.,]\d{1,2})?)\s*(?:mm)?\s*"
    r"(?:[x×]\s*\d{2}\s*(?:mm)?\s*R?|[A-Za-z.]{1,12}(?:\s[A-Za-z.]{1,10})?)?",
    re.IGNORECASE,
)


def _calibre_candidates(text: str) -> list[str]:
    out: list[str] = []
    for m in _CAL_RX.finditer(text):
        chunk = m.group(0).strip()
        if not chunk:
            continue
        # Try the longest reading first, then shorter ones ("9 mm P.A.K. Made" -> "9 mm P.A.K.").
        words = chunk.split()
        out.extend(" ".join(words[:n]) for n in range(len(words), 0, -1))
    return out


def is_blank_marked(text: str | None) -> list[Marking]:
    """Return the markings of a text that identify a blank/alarm weapon."""
    return [m for m in parse_markings(text) if m.blank]
