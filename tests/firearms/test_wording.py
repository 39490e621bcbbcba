"""Reasons said in words: every reason of every kind of outcome names its facts in words, in
each language of the interface, while keeping its technical text for the API and the store."""

from __future__ import annotations

import re
from typing import Any

import pytest

from armsbridge.firearms.assess import assess
from armsbridge.firearms.provisional import if_alternative
from armsbridge.firearms.schemas import FACT_NAMES
from armsbridge.firearms.wording import Msg, say
from armsbridge.web.i18n import Formatter

CASES: list[tuple[dict[str, Any], dict[str, str]]] = [
    ({"kind": "pistol", "action": "semi_automatic"}, {}),
    ({"kind": "pistol", "action": "semi_automatic", "magazine_capacity": 25}, {}),
    ({"kind": "rifle", "action": "semi_automatic", "ignition": "centre_fire"}, {}),
    (
        {
            "kind": "rifle",
            "action": "semi_automatic",
            "barrel_length_cm": 50.5,
            "overall_length_cm": 100,
            "magazine_capacity": 5,
            "ignition": "centre_fire",
        },
        {},
    ),
    ({"kind": "shotgun", "action": "single_shot", "placed_on_market": "2019-01-01"}, {}),
    (
        {
            "kind": "shotgun",
            "action": "single_shot",
            "barrel_length_cm": 70,
            "overall_length_cm": 110,
            "placed_on_market": "2010-01-01",
        },
        {},
    ),
    ({"action": "automatic", "converted_to": "blank_firing"}, {}),
    ({"action": "automatic", "component": "barrel"}, {}),
    ({"ammunition": "expanding", "kind": "pistol"}, {}),
    ({"deactivated": True, "deactivation_certified": True}, {}),
    ({}, {"make": "Ekol", "model": "Tuna", "markings": "PTB 948, barrel drilled"}),
    ({"action": "semi_automatic"}, {"make": "Zastava", "model": "M70"}),
    ({}, {"make": "Zoraki", "model": "914", "calibre": "9x17"}),
    ({}, {"make": "Zastava", "model": "M57"}),
]
# Field names of more than one word (one-word names such as "action" are words too).
FIELD = re.compile("|".join(sorted((n for n in FACT_NAMES if "_" in n), key=len, reverse=True)))


def _texts(facts: dict[str, Any], identity: dict[str, str]) -> list[Any]:
    result = assess(facts, **identity)
    return [*result.reasons, *(if_alternative(a) for a in result.alternatives)]


@pytest.mark.parametrize(("facts", "identity"), CASES)
def test_every_reason_names_its_facts_in_words(facts: dict, identity: dict) -> None:
    texts = _texts(facts, identity)
    assert texts
    for text in texts:
        assert isinstance(text, Msg), text  # each reason can be said, not only printed
        said = say(text, Formatter("en").gettext)
        words = " ".join(w for w in said.split() if "/" not in w)  # not in a source address
        assert not FIELD.search(words), said
        assert "_" not in words, said


@pytest.mark.parametrize("language", ["sq", "mk", "sr"])
@pytest.mark.parametrize(("facts", "identity"), CASES)
def test_every_reason_is_said_in_the_language_of_the_reader(
    facts: dict, identity: dict, language: str
) -> None:
    fmt = Formatter(language)
    for text in _texts(facts, identity):
        said = say(text, fmt.gettext, fmt.number)
        english = say(text, Formatter("en").gettext)
        assert said != english or not re.search(r"[a-z]{4,}", english), (language, english)
        if language == "mk":  # Macedonian is written in Cyrillic
            assert re.search("[а-шА-Ш]", said), said


def test_the_technical_text_is_kept_for_the_api_and_the_store() -> None:
    facts = {"kind": "pistol", "action": "semi_automatic", "ignition": "centre_fire"}
    result = assess({**facts, "magazine_capacity": 25})
    assert "magazine_capacity = 25 (> 20)" in result.reasons
    said = [say(r, Formatter("en").gettext) for r in result.reasons]
    assert "magazine capacity: 25 rounds (more than 20 rounds)" in said
    assert result.model_dump(mode="json")["reasons"] == [str(r) for r in result.reasons]
