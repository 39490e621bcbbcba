"""Facts implied by the kind and rare features assumed absent: used, named, and overridden."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from armsbridge.firearms.categories import ASSUMED, IMPLIED_FILE, RULES_FILE, categorize

LONG = {"barrel_length_cm": 50, "overall_length_cm": 100}
FULL_RIFLE = {"kind": "rifle", "action": "single_shot", "ignition": "centre_fire", **LONG}


def _reasons(facts: dict[str, Any]) -> str:
    return "\n".join(categorize(facts).reasons)


# (facts, expected (category, point), the implied fact named in the reasons)
IMPLIED: list[tuple[dict[str, Any], tuple[str, str | None], str]] = [
    (FULL_RIFLE, ("C", "C2"), "implied by kind: rifle: smooth_bore = no"),
    (
        {"kind": "shotgun", "action": "repeating", "barrel_length_cm": 50, "overall_length_cm": 90},
        ("B", "B7"),
        "implied by kind: shotgun: smooth_bore = yes",
    ),
    ({"kind": "revolver", "ignition": "centre_fire"}, ("B", "B1"), "implied by kind: revolver"),
    ({"kind": "submachine_gun"}, ("A", "A2"), "implied by kind: submachine_gun"),
    (
        {"kind": "pistol", "action": "semi_automatic", "ignition": "rimfire"},
        ("B", "B5"),
        "short firearm (barrel ≤ 30 cm or overall length ≤ 60 cm): implied by kind: pistol",
    ),
]


@pytest.mark.parametrize(("facts", "expected", "named"), IMPLIED)
def test_the_kind_implies_facts_and_says_so(facts: dict, expected: tuple, named: str) -> None:
    result = categorize(facts)
    assert (result.category, result.point) == expected
    assert named in "\n".join(result.reasons)


def test_a_rifle_described_in_full_is_decided_without_smooth_bore() -> None:
    result = categorize(FULL_RIFLE)
    assert result.missing == [] and result.point == "C2"


def test_a_stated_fact_overrides_the_implied_one() -> None:
    result = categorize({**FULL_RIFLE, "smooth_bore": True, "placed_on_market": "2020-01-01"})
    assert result.point == "C7"
    assert "implied by kind" not in "\n".join(result.reasons)


def test_stated_lengths_override_the_short_implied_by_a_pistol() -> None:
    facts = {"kind": "pistol", "action": "semi_automatic", "ignition": "centre_fire", **LONG}
    result = categorize({**facts, "magazine_capacity": 5, "smooth_bore": False})
    assert result.point == "B4"


def test_every_implied_fact_names_its_source() -> None:
    data = yaml.safe_load(IMPLIED_FILE.read_text("utf-8"))
    entries = [e for kind in data["implied"].values() for e in kind]
    assert entries and all(e.get("source") for e in entries)


SEMI_LONG = {"kind": "rifle", "action": "semi_automatic", "ignition": "centre_fire", **LONG}


def test_a_semi_automatic_long_firearm_is_decided_without_a_stock_answer() -> None:
    result = categorize({**SEMI_LONG, "magazine_capacity": 5})
    assert (result.category, result.point) == ("B", "B4")
    assert f"{ASSUMED}: " in _reasons({**SEMI_LONG, "magazine_capacity": 5})
    assert "foldable_stock = no" in _reasons({**SEMI_LONG, "magazine_capacity": 5})


@pytest.mark.parametrize(
    ("feature", "facts", "point"),
    [
        ("foldable_stock", {**SEMI_LONG, "magazine_capacity": 5}, "A8"),
        ("disguised", {**SEMI_LONG, "magazine_capacity": 5}, "A3"),
        ("resembles_automatic", {**SEMI_LONG, "ignition": "rimfire", "magazine_capacity": 1}, "B9"),
        ("converted_from_automatic", {**SEMI_LONG, "magazine_capacity": 5}, "A6"),
    ],
)
def test_stating_an_assumed_feature_changes_the_outcome(
    feature: str, facts: dict, point: str
) -> None:
    assert categorize(facts).point != point
    result = categorize({**facts, feature: True})
    assert result.point == point
    assert f"{feature} = no" not in "\n".join(result.reasons)


def test_the_assumed_absent_list_is_data_with_a_why_for_each() -> None:
    data = yaml.safe_load(RULES_FILE.read_text("utf-8"))
    assumed = data["assumed_absent"]
    assert {"foldable_stock", "disguised", "military_explosive"} <= set(assumed)
    assert all(isinstance(why, str) and why for why in assumed.values())
    assert "defaults" not in data
