"""Names of the synthetic world and the spellings officers on each side give them."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"

# Letters that Unicode decomposition does not fold to ASCII.
_ASCII_EXTRA = str.maketrans({"đ": "dj", "Đ": "Dj", "ß": "ss", "ı": "i", "ł": "l", "Ł": "L"})


def load_data(name: str) -> dict[str, Any]:
    """Return one YAML data file of the synthetic world."""
    return _load_data(name)


@lru_cache(maxsize=16)
def _load_data(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def ascii_fold(text: str) -> str:
    """Drop diacritics the way a keyboard without them does (ë -> e, č -> c, đ -> dj)."""
    text = text.translate(_ASCII_EXTRA)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fit_encoding(text: str, encoding: str) -> str:
    """Return `text` as a system limited to `encoding` stores it: unsupported letters folded."""
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        out = []
        for ch in text:
            try:
                ch.encode(encoding)
                out.append(ch)
            except UnicodeEncodeError:
                folded = ascii_fold(ch)
                out.append(folded if folded.isascii() else "?")
        return "".join(out)


def weighted(items: list[Any], exponent: float = 0.8) -> tuple[list[Any], list[float]]:
    """Return items with cumulative Zipf-like weights by rank, for Random.choices."""
    return items, list(accumulate(1.0 / (rank**exponent) for rank in range(1, len(items) + 1)))


def _greedy(text: str, table: dict[str, Any], pick: Any) -> str:
    """Replace letters and digraphs of `text` (lower case) by the table, longest match first."""
    out = []
    i = 0
    while i < len(text):
        two = text[i : i + 2]
        if len(two) == 2 and two in table:
            out.append(pick(table[two]))
            i += 2
            continue
        ch = text[i]
        out.append(pick(table[ch]) if ch in table else ch)
        i += 1
    return "".join(out)


def _recase(text: str) -> str:
    """Capitalise the first letter of each word and after a hyphen."""
    return "-".join(
        " ".join(w[:1].upper() + w[1:] for w in part.split(" ")) for part in text.split("-")
    )


def derived_family(lists: dict[str, Any], rules: list[list[Any]]) -> list[str]:
    """Return the patronymic family names derived from the male names, most frequent first."""
    common = set(lists["family"])
    out: dict[str, None] = {}
    for suffix_rank in range(3):
        for stem in lists["male"]:
            ending, drop, suffixes = next(r for r in rules if stem.endswith(r[0]))
            if suffix_rank < len(suffixes):
                name = (stem[:-drop] if drop else stem) + suffixes[suffix_rank]
                if name not in common:
                    out.setdefault(name, None)
    return list(out)


class NameBook:
    """Name lists with weights, and the renderings of a canonical name into each writing style."""

    def __init__(self) -> None:
        data = load_data("names.yaml")
        tr = load_data("translit.yaml")
        self.lists = {
            lang: {
                kind: weighted(list(data[lang][kind]), data["exponents"][kind])
                for kind in ("male", "female", "family")
            }
            for lang in ("sq", "mk", "sr")
        }
        self.nicknames = weighted(list(data["nicknames"]), 0.5)
        self.derived = {
            lang: (rule["share"], weighted(derived_family(data[lang], rule["rules"]), 0.5))
            for lang, rule in data["derived_family"].items()
        }
        self.cyr_to_lat: dict[str, dict[str, str]] = tr["cyrillic_to_latin"]
        self.sq_to_cyr: dict[str, list[str]] = tr["albanian_to_cyrillic"]
        self.sq_to_sr: dict[str, str] = tr["albanian_to_serbian"]
        self.sr_to_cyr: dict[str, str] = tr["serbian_to_cyrillic"]
        self.lookalikes: dict[str, str] = tr["lookalikes"]
        self._styles = {
            style: {k: v[style] for k, v in self.cyr_to_lat.items()}
            for style in ("sq", "mk", "sr", "iso", "ascii")
        }

    def pick(self, rng: Random, lang: str, kind: str) -> str:
        """Draw a canonical name of `lang` ("sq", "mk", "sr") and kind (male, female, family)."""
        names, cum = self.lists[lang][kind]
        if kind == "family":
            share, derived = self.derived[lang]
            if rng.random() < share:
                names, cum = derived
        return rng.choices(names, cum_weights=cum)[0]

    def nickname(self, rng: Random) -> str:
        """Draw a nickname."""
        names, cum = self.nicknames
        return rng.choices(names, cum_weights=cum)[0]

    @staticmethod
    def feminine(family: str, lang: str) -> str:
        """Return the feminine form of a Macedonian family name (-ски/-ска, -ов/-ова, ...)."""
        if lang != "mk":
            return family
        if family.endswith("ки"):
            return family[:-1] + "а"
        if family.endswith(("ов", "ев", "ин")):
            return family + "а"
        return family

    def cyrillic(self, name: str, lang: str, rng: Random) -> str:
        """Write a canonical name in Macedonian Cyrillic as a Macedonian officer does."""
        if lang == "mk":
            return name
        if lang == "sr":
            return _recase(_greedy(name.lower(), self.sr_to_cyr, str))

        def pick(options: list[str]) -> str:
            return options[0] if len(options) == 1 or rng.random() < 0.8 else rng.choice(options)

        return _recase(_greedy(name.lower(), self.sq_to_cyr, pick))

    def latin(self, name: str, lang: str, style: str) -> str:
        """Write a canonical name in Latin script in a style: sq, mk, sr, iso or ascii."""
        if lang == "sq":
            if style == "sr":
                return _recase(_greedy(name.lower(), self.sq_to_sr, str))
            return ascii_fold(name) if style == "ascii" else name
        if lang == "sr":
            if style == "sr":
                return name
            if style == "ascii":
                return ascii_fold(name)
            name = _greedy(name.lower(), self.sr_to_cyr, str)
        return _recase(_greedy(name.lower(), self._styles[style], str))

    def lookalike(self, text: str, rng: Random, rate: float = 0.5) -> str:
        """Replace some Latin capitals with the Cyrillic letters that look the same."""
        return "".join(
            self.lookalikes[ch] if ch in self.lookalikes and rng.random() < rate else ch
            for ch in text
        )


@lru_cache(maxsize=1)
def name_book() -> NameBook:
    """Return the shared name book (data files read once)."""
    return NameBook()
