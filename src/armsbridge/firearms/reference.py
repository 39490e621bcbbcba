"""Reference data: known makes and models (blank-firing models known to be converted, common
military models) and the markings parser."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args

import yaml

from armsbridge.firearms.calibre import lookup_calibre, normalise_calibre
from armsbridge.firearms.schemas import Kind

DATA_DIR = Path(__file__).parent / "data"
KINDS = frozenset(get_args(Kind))


MEASURED = ("ignition", "barrel_length_cm", "overall_length_cm", "magazine_capacity")


def fact_sources(text: str) -> dict[str, str]:
    """Return the source of each measured fact from a facts_source cell.

    The cell is either one source for every fact or parts separated by " | ", each naming the
    facts it covers before a colon ("barrel_length_cm, magazine_capacity: SOURCE | ignition: ...").
    """
    out = dict.fromkeys(MEASURED, text)
    for part in text.split(" | "):
        names, sep, source = part.partition(":")
        fields = [n.strip() for n in names.split(",")]
        if sep and fields and all(f in MEASURED for f in fields):
            for name in fields:
                out[name] = source.strip()
    return out


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
    device: str | None = None
    ignition: str | None = None
    barrel_length_cm: float | None = None
    overall_length_cm: float | None = None
    magazine_capacity: int | None = None
    facts_source: str = ""
    facts_verified: bool = False

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
                "device",
                "known_converted",
                "ignition",
                "barrel_length_cm",
                "overall_length_cm",
                "magazine_capacity",
                "origin",
                "notes",
                "source",
                "verified",
                "facts_source",
                "facts_verified",
            )
        }

    @property
    def title(self) -> str:
        """Make and model as the table names them ('Zoraki (any model)' for a make's row)."""
        return f"{self.make} {self.model}" if self.model != "*" else f"{self.make} (any model)"

    def facts(self) -> dict[str, tuple[Any, str, bool]]:
        """Return the categorisation facts of the entry as {name: (value, source, verified)}."""
        out: dict[str, tuple[Any, str, bool]] = {}
        row = (self.source, self.verified)
        sources = fact_sources(self.facts_source or self.source)
        if self.kind in KINDS:
            out["kind"] = (self.kind, *row)
        if self.action:
            out["action"] = (self.action, *row)
        if self.device == "alarm_signal":
            out["alarm_signal_device"] = (True, *row)
        elif self.device == "acoustic":
            out["converted_to"] = ("salute_acoustic", *row)
        for name in MEASURED:
            value = getattr(self, name)
            if value is not None:
                out[name] = (value, sources[name], self.facts_verified)
        return out


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


# Cyrillic letters as the Latin ones written for them in Serbian and Macedonian, so that ПТБ reads
# PTB, П.А.К. reads P.A.K. and Застава reads ZASTAVA (markings and makes, never names).
_CYRILLIC = str.maketrans(
    {
        **dict(zip("АБВГДЕЗИЈКЛМНОПРСТУФХЦЧШ", "ABVGDEZIJKLMNOPRSTUFHCČŠ", strict=True)),
        **dict(zip("абвгдезијклмнопрстуфхцчш", "abvgdezijklmnoprstufhcčš", strict=True)),
        "Ж": "Ž",
        "ж": "ž",
        "Ђ": "Đ",
        "ђ": "đ",
        "Ћ": "Ć",
        "ћ": "ć",
        "Ѓ": "Gj",
        "ѓ": "gj",
        "Ќ": "Kj",
        "ќ": "kj",
        "Ѕ": "Dz",
        "ѕ": "dz",
        "Љ": "Lj",
        "љ": "lj",
        "Њ": "Nj",
        "њ": "nj",
        "Џ": "Dž",
        "џ": "dž",
    }
)


def to_latin(text: str | None) -> str:
    """Return a marking or make written in Cyrillic in Latin letters (ПТБ -> PTB)."""
    return (text or "").translate(_CYRILLIC)


def _key(text: str | None) -> str:
    return re.sub(r"[^0-9A-ZÇËČŠŽĐĆ]", "", to_latin(text).upper())


def _number(cell: str | None) -> float | None:
    return float(cell) if (cell or "").strip() else None


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
                    device=row["device"] or None,
                    ignition=row["ignition"] or None,
                    barrel_length_cm=_number(row["barrel_length_cm"]),
                    overall_length_cm=_number(row["overall_length_cm"]),
                    magazine_capacity=int(row["magazine_capacity"])
                    if row["magazine_capacity"]
                    else None,
                    facts_source=row["facts_source"],
                    facts_verified=row["facts_verified"].strip().lower() == "true",
                )
            )
    return tuple(entries)


def lookup_model(
    make: str | None, model: str | None, calibre: str | None = None
) -> ModelEntry | None:
    """Return the reference entry for a make and model: the model row, else the make's '*' row.

    Rows that match equally well (the Zastava M70 rifle and pistol) are told apart by calibre.
    """
    make_key, model_key = _key(make), _key(model)
    cal = normalise_calibre(calibre) if calibre else None
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
        if score and distinctive:
            score = score * 2 + (1 if cal and entry.calibre and _same_calibre(cal, entry) else 0)
            if best is None or score > best[0]:
                best = (score, entry)
    return best[1] if best else None


def find_entry(
    make: str | None = None,
    model: str | None = None,
    calibre: str | None = None,
    markings: str | None = None,
) -> ModelEntry | None:
    """Return the reference entry a record points to: by make and model, else by its markings."""
    entry = lookup_model(make, model, calibre) if (make or model) else None
    return entry or lookup_in_text(markings)


def _same_calibre(calibre: str, entry: ModelEntry) -> bool:
    return normalise_calibre(entry.calibre) == calibre


def lookup_in_text(text: str | None) -> ModelEntry | None:
    """Return the reference model whose make and model are both read in a marking text."""
    words = [_key(w) for w in re.split(r"[\s,;/]+", to_latin(text)) if w]
    if not words:
        return None
    joined = "".join(words)
    # Consecutive words too, so "Zastava Arms" or "CZ 75" are read as one name.
    spans = {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, i + 4)}
    best: tuple[int, ModelEntry] | None = None
    for entry in load_models():
        if not any(k and k in joined for k in entry.make_keys if len(k) >= 3):
            continue
        if entry.model_keys and not (entry.model_keys & spans):
            continue
        score = 2 if entry.model_keys else 1
        if best is None or score > best[0]:
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
    text = to_latin(text)
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
