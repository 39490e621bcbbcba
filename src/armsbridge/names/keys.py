"""Script-independent and phonetic keys of Albanian, Macedonian and Serbian names.

The same person is written Џафер, Xhafer, Džafer or Dzafer depending on who recorded him. A key
rewrites every spelling of one sound (letters.yaml, editable) to one key letter in a single pass,
so that the spellings agree on the key without ever transliterating one script into the other.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LETTERS_FILE = Path(__file__).with_name("letters.yaml")
_VOWELS = "aeiouy"
_KEY_VOWELS = "aeiou"


@lru_cache(maxsize=1)
def letter_tables() -> dict[str, Any]:
    """Return the parsed letter tables (letters.yaml)."""
    with LETTERS_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@lru_cache(maxsize=1)
def _rewriter() -> tuple[re.Pattern[str], dict[str, str]]:
    tables = letter_tables()
    mapping: dict[str, str] = dict(tables["cyrillic"])
    for cls in tables["classes"]:
        for spelling in cls["spellings"]:
            mapping[spelling] = cls["key"]
    # Longest spellings first so that digraphs win over their letters (dzh > dž > d).
    alternatives = sorted(mapping, key=lambda s: (-len(s), s))
    pattern = re.compile("|".join(re.escape(a) for a in alternatives))
    return pattern, mapping


def _strip_marks(text: str) -> str:
    if text.isascii():  # nothing to strip (most keys are plain letters by now)
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _y_rule(word: str) -> str:
    # English-style y before a vowel is a consonant (Yovan = Јован); elsewhere it is a vowel
    # (Albanian Ylli = Или).
    if "y" not in word:
        return word
    out = []
    for i, ch in enumerate(word):
        if ch == "y":
            nxt = word[i + 1] if i + 1 < len(word) else ""
            out.append("j" if nxt and nxt in _VOWELS else "i")
        else:
            out.append(ch)
    return "".join(out)


_DOUBLES = re.compile(r"(.)\1+")
_NOT_LETTER = re.compile(r"[^a-zA-Z]")


def _collapse_doubles(word: str) -> str:
    return _DOUBLES.sub(r"\1", word)


@lru_cache(maxsize=200_000)
def _word_key(word: str) -> str:
    pattern, mapping = _rewriter()
    word = unicodedata.normalize("NFC", word.lower())
    # Precomposed letters the tables name (ć, ǵ, ë, ...) are rewritten before any other mark is
    # stripped, so only unlisted accents (é, ü, ...) fall back to their base letter.
    word = pattern.sub(lambda m: mapping[m.group(0)], word)
    word = _strip_marks(word)
    word = _NOT_LETTER.sub("", word)
    word = _y_rule(word)
    return _collapse_doubles(word)


_SPLIT = re.compile(r"[\s\-‐‑–—_.,;/]+")


def name_key(text: str | None) -> str:
    """Return the script-independent key of one name (words kept in their order)."""
    if not text:
        return ""
    words = (_word_key(w) for w in _SPLIT.split(text.replace("'", "").replace("’", "")))
    return " ".join(w for w in words if w)


def _fold_family(word: str) -> str:
    fold = letter_tables()["family_suffixes"]["fold"]
    for female, male in fold.items():
        if len(word) > len(female) + 2 and word.endswith(female):
            return word[: -len(female)] + male
    return word


def family_key(text: str | None) -> str:
    """Return the key of a family name with the female Macedonian form folded to the male."""
    return " ".join(_fold_family(w) for w in name_key(text).split())


def person_name_key(given: str | None, family: str | None) -> str:
    """Return an order-independent key of a person's given and family names."""
    words = name_key(given).split() + name_key(family).split()
    return " ".join(sorted(_fold_family(w) for w in words))


@lru_cache(maxsize=200_000)
def _word_phonetic(word: str) -> str:
    word = word.lower()  # J S Z L N join their plain letters (š typed s, đ typed d, ž typed z)
    # j and i are one sound class: Marija = Maria, Kryeziu (y before a vowel reads j) = Криезиу,
    # and Albanian y is written и or ј in Cyrillic (Ylber = Илбер = Јлбер).
    word = word.replace("j", "i")
    if word.startswith("h"):  # Hasan = Asan; a medial h stays (Mehmeti is not Memeti)
        word = word[1:]
    return _collapse_doubles(word)


def phonetic_key(text: str | None) -> str:
    """Return a coarse sound key of a name: diacritic-less typing, h and ij variants agree."""
    key = name_key(text)
    # Upper-case classes lose their mark: J->d (Đorđe typed Dorde), S->s, Z->z, L->l, N->n.
    key = key.replace("J", "d")
    return " ".join(_word_phonetic(w) for w in key.split())


def person_phonetic_key(given: str | None, family: str | None) -> str:
    """Return an order-independent phonetic key of a person's names, sex suffix folded."""
    words = phonetic_key(given).split() + phonetic_key(family).split()
    return " ".join(sorted(_word_phonetic(_fold_family(w)) for w in words))


_PATRONYMIC_PHRASE = re.compile(
    r"^\s*(i\s+biri\s+i|e\s+bija\s+e|son\s+of|daughter\s+of|син\s+на|ќерка\s+на)\s+", re.I
)


def father_name_key(text: str | None) -> str:
    """Return the key of a father's name, dropping 'i biri i ...' and the Albanian genitive."""
    if not text:
        return ""
    stripped = _PATRONYMIC_PHRASE.sub("", text)
    key = name_key(stripped)
    if stripped != text:
        # "i biri i Ramadanit": the father's name follows in the genitive (-it, -ut, -ës).
        key = re.sub(r"(?<=[a-zA-Z]{3})(it|ut|es)$", "", key)
    return key
