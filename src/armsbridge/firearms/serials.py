"""Serial-number text rules: the normalised form kept on records and the misreading-folded key."""

from __future__ import annotations

import unicodedata

# Cyrillic (and Greek) capitals that look like Latin ones. Officers in MK and XK type serials and
# plates with whichever keyboard layout is active, so "К7245" and "K7245" are the same serial.
LOOKALIKE_TO_LATIN: dict[str, str] = {
    # Cyrillic: А В Е К М Н О Р С Т Х У, plus Ј Ѕ І used in Macedonian/Serbian/Ukrainian
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
    "У": "Y",
    "Ј": "J",
    "Ѕ": "S",
    "І": "I",
    # Greek capitals (rare, but they come from copy-pasted documents)
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
}

# Characters read one for the other on worn or restored stampings. Each class folds to one
# representative, so a folded key compares equal whichever member was read.
CONFUSABLE_CLASSES: tuple[str, ...] = ("0O", "1IL", "5S", "8B", "2Z")
_FOLD: dict[str, str] = {ch: cls[0] for cls in CONFUSABLE_CLASSES for ch in cls}
_LATIN_TABLE = str.maketrans(LOOKALIKE_TO_LATIN)
_FOLD_TABLE = str.maketrans(_FOLD)


def _upper_latin(raw: str) -> str:
    # "№" would become "NO" under NFKC, which would invent two characters of a serial.
    text = unicodedata.normalize("NFKC", raw.replace("№", " ")).upper()
    return text.translate(_LATIN_TABLE)


def normalise_serial(raw: str) -> str:
    """Return the stored serial: upper case, no spaces or separators, look-alikes as Latin."""
    if raw is None:
        return ""
    return "".join(ch for ch in _upper_latin(str(raw)) if ch.isalnum())


def fold_confusables(text: str) -> str:
    """Map every commonly misread character to its class representative (O→0, I/L→1, S→5, ...)."""
    return normalise_serial(text).translate(_FOLD_TABLE)


def fold_char(ch: str) -> str:
    """Fold one already-normalised character (see `fold_confusables`)."""
    return _FOLD.get(ch, ch)
