"""Provisional answers: the most likely point, the alternatives and what decides each."""

from __future__ import annotations

import json
from typing import Any

import pytest

from armsbridge.firearms.assess import assess
from armsbridge.firearms.categories import load_rules
from armsbridge.firearms.derive import categorize_record
from armsbridge.records.models import Firearm

SEMI_PISTOL = {"kind": "pistol", "action": "semi_automatic", "ignition": "centre_fire"}

# (facts, identity, provisional point, {alternative point: condition})
CASES: list[tuple[dict[str, Any], dict[str, str], str, dict[str, str]]] = [
    (SEMI_PISTOL, {}, "B5", {"A7(a)": "magazine_capacity > 20"}),
    (
        {"kind": "shotgun", "action": "repeating"},
        {},
        "C1",
        {"B1": "barrel_length_cm ≤ 30", "B7": "barrel_length_cm > 30 and ≤ 60"},
    ),
    (
        {"kind": "rifle", "action": "single_shot", "ignition": "rimfire"},
        {},
        "C2",
        {"B3": "overall_length_cm < 28", "C4": "overall_length_cm ≥ 28 and ≤ 60"},
    ),
    (
        {},
        {"make": "Zoraki", "model": "R1"},
        "not_a_firearm",
        {"B1": "meets_alarm_signal_specs = no"},
    ),
    (
        {},
        {"make": "Ekol", "model": "Tuna"},
        "not_a_firearm",
        {
            "B5": "meets_alarm_signal_specs = no",
            "A7(a)": "magazine_capacity > 20 and meets_alarm_signal_specs = no",
        },
    ),
]


@pytest.mark.parametrize(("facts", "identity", "point", "alternatives"), CASES)
def test_a_few_remaining_outcomes_give_a_provisional_answer(
    facts: dict, identity: dict, point: str, alternatives: dict
) -> None:
    result = assess(facts, **identity)
    assert result.category == "undetermined"  # never stated as decided
    assert result.provisional == point
    assert {a.point: a.if_ for a in result.alternatives} == alternatives
    assert result.reasons[0].startswith(f"provisional answer: {point}")
    for alt, condition in alternatives.items():
        assert f"{alt} if {condition}" in result.reasons[0]


def test_the_output_names_the_alternatives_point_and_if() -> None:
    dumped = json.loads(assess(SEMI_PISTOL).model_dump_json())
    assert dumped["provisional"] == "B5" and dumped["provisional_category"] == "B"
    assert dumped["alternatives"] == [{"point": "A7(a)", "if": "magazine_capacity > 20"}]


def test_stating_the_deciding_fact_settles_the_answer() -> None:
    assert assess({**SEMI_PISTOL, "magazine_capacity": 30}).point == "A7(a)"
    decided = assess({**SEMI_PISTOL, "magazine_capacity": 15})
    assert decided.point == "B5" and decided.provisional is None and decided.alternatives == []


@pytest.mark.parametrize(
    "facts",
    [{}, {"kind": "pistol"}, {"kind": "rifle", "action": "semi_automatic"}],
)
def test_many_open_outcomes_give_no_provisional_answer(facts: dict) -> None:
    result = assess(facts)
    assert result.category == "undetermined" and result.provisional is None
    assert result.missing


def test_every_likely_value_says_why() -> None:
    likely = load_rules().provisional["likely"]
    assert all(entry["why"] for by_kind in likely.values() for entry in by_kind.values())


def test_a_sign_of_conversion_makes_the_failed_alarm_weapon_the_likely_answer() -> None:
    plain = assess({}, make="Ekol", model="Tuna")
    assert plain.provisional == "not_a_firearm"
    for identity in ({"calibre": "9x17"}, {"markings": "PTB 948, barrel drilled"}):
        doubtful = assess({}, make="Ekol", model="Tuna", **identity)
        assert doubtful.provisional == "B5", identity
        assert "not_a_firearm" in {a.point for a in doubtful.alternatives}


def test_a_record_converted_from_blank_to_live_no_longer_meets_the_alarm_specs() -> None:
    gun = Firearm(make="Ekol", model="Tuna", converted=True, conversion_kind="blank_to_live")
    result = categorize_record(gun)
    assert result.provisional == "B5"
    assert "meets_alarm_signal_specs" not in result.missing
