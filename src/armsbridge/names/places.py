"""Place names across languages: Shkup = Скопје = Skopje = Skoplje, one key per place.

The gazetteer (places.yaml, editable) lists each municipality with its Albanian, Serbian Latin
and Macedonian Cyrillic names. A Kosovo officer writes a North Macedonian birth place in
Albanian (Shkup, Tetovë, Manastir), a Macedonian officer writes a Kosovo one in Cyrillic
(Приштина, Пеќ); no letter rule turns one into the other, so matching compares places on the
gazetteer's key and falls back to the spelling key for places the gazetteer does not know.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from armsbridge.names.keys import name_key

PLACES_FILE = Path(__file__).with_name("places.yaml")
LANGUAGES = ("sq", "sr", "mk", "en")


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, Any]:
    """Return the parsed gazetteer (places.yaml): municipalities of XK and MK, crossing points."""
    with PLACES_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@lru_cache(maxsize=1)
def _keys() -> dict[str, str]:
    data = gazetteer()
    out: dict[str, str] = {}
    for jurisdiction in ("xk", "mk"):
        for place in data[jurisdiction]:
            canonical = f"@{jurisdiction}:{name_key(place['sr'])}"
            for lang in LANGUAGES:
                for spelling in _spellings(place.get(lang)):
                    out.setdefault(name_key(spelling), canonical)
            for spelling in _albanian_definite(place["sq"]):
                out.setdefault(name_key(spelling), canonical)
    return out


def _albanian_definite(name: str) -> list[str]:
    """Return the definite forms Albanian records often use (Prishtinë -> Prishtina, Prizreni)."""
    if name.endswith("ë"):
        return [name[:-1] + "a"]
    if name[-1:].isalpha() and name[-1] not in "aeiouy":
        return [name + "i", name + "a"]
    return []


def _spellings(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def place_key(text: str | None) -> str:
    """Return one key per place whatever language wrote it; unknown places keep their name key."""
    key = name_key(text)
    return _keys().get(key, key) if key else ""
