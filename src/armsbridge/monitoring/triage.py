"""Triage of one post: language and script, offer / wanted / other with a score, extractions.

`triage_text` returns exactly the keys of issue #20 item 4 (language, script, label, score,
extractions with phones, prices, handles, weapons, calibres) and, as extra keys, `words` (what
drove the score), `places`, `crypto` and `spans` (where each extraction was read).
"""

from __future__ import annotations

from typing import Any

from armsbridge.monitoring.classify import classify
from armsbridge.monitoring.extract import extract
from armsbridge.monitoring.language import identify

ITEM4_EXTRACTIONS = ("phones", "prices", "handles", "weapons", "calibres")
EXTRA_KEYS = ("words", "places", "crypto", "spans")
# The kinds a weapon extraction may have (issue #20 item 4).
WEAPON_KINDS = (
    "pistol",
    "revolver",
    "rifle",
    "assault_rifle",
    "shotgun",
    "submachine_gun",
    "grenade",
    "explosive",
    "ammunition",
    "launcher",
    "part",
    "alarm_pistol",
)


def triage_text(text: str) -> dict[str, Any]:
    """Return the triage of a post: the item-4 keys, then words, places, crypto and spans."""
    guess = identify(text)
    found = extract(text, guess.language)
    result = classify(text)
    return {
        "language": guess.language,
        "script": guess.script,
        "label": result.label,
        "score": result.score,
        "extractions": {key: found[key] for key in ITEM4_EXTRACTIONS},
        "words": result.words,
        "places": found["places"],
        "crypto": found["crypto"],
        "spans": found["spans"],
    }


def item4(result: dict[str, Any]) -> dict[str, Any]:
    """Return only the item-4 keys of a triage result."""
    return {k: v for k, v in result.items() if k not in EXTRA_KEYS}
