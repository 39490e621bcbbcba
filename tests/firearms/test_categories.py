"""Every Annex I point decides its positive case and not its near miss; the engine never guesses."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armsbridge.errors import ValidationFailed
from armsbridge.firearms.categories import categorize, load_rules
from armsbridge.firearms.schemas import parse_facts

SHORT = {"barrel_length_cm": 10, "overall_length_cm": 20}
LONG = {"barrel_length_cm": 50, "overall_length_cm": 100}
SEMI_SHORT_CF = {"action": "semi_automatic", "ignition": "centre_fire", **SHORT}
SEMI_LONG_CF = {
    "action": "semi_automatic",
    "ignition": "centre_fire",
    "foldable_stock": False,
    "smooth_bore": False,
}
SEMI_LONG_CF.update(LONG)
SEMI_LONG_RF = {**SEMI_LONG_CF, "ignition": "rimfire"}
SINGLE_LONG = {"action": "single_shot", "ignition": "centre_fire", **LONG}

# (point, positive facts, expected, near-miss facts, expected for the near miss)
CASES: list[tuple[str, dict[str, Any], tuple[str, str | None], dict[str, Any], tuple[str, Any]]] = [
    (
        "A1",
        {"kind": "launcher", "military_explosive": True},
        ("A", "A1"),
        {"kind": "launcher", "military_explosive": False, **SINGLE_LONG, "smooth_bore": False},
        ("C", "C2"),
    ),
    (
        "A2",
        {"action": "automatic"},
        ("A", "A2"),
        {**SEMI_SHORT_CF, "ignition": "rimfire"},
        ("B", "B5"),
    ),
    (
        "A3",
        {**SEMI_SHORT_CF, "magazine_capacity": 10, "disguised": True},
        ("A", "A3"),
        {**SEMI_SHORT_CF, "magazine_capacity": 10, "disguised": False},
        ("B", "B5"),
    ),
    (
        "A4",
        {"ammunition": "penetrating"},
        ("A", "A4"),
        {"ammunition": "expanding", "kind": "rifle"},
        ("not_a_firearm", None),
    ),
    (
        "A5",
        {"ammunition": "expanding", "kind": "pistol"},
        ("A", "A5"),
        {"ammunition": "expanding", "kind": "shotgun"},
        ("not_a_firearm", None),
    ),
    (
        "A6",
        {**SEMI_LONG_CF, "magazine_capacity": 10, "converted_from_automatic": True},
        ("A", "A6"),
        {**SEMI_LONG_CF, "magazine_capacity": 10, "converted_from_automatic": False},
        ("B", "B4"),
    ),
    (
        "A7(a)",
        {**SEMI_SHORT_CF, "magazine_capacity": 21},
        ("A", "A7(a)"),
        {**SEMI_SHORT_CF, "magazine_capacity": 20},
        ("B", "B5"),
    ),
    (
        "A7(b)",
        {**SEMI_LONG_CF, "magazine_capacity": 11},
        ("A", "A7(b)"),
        {**SEMI_LONG_CF, "magazine_capacity": 10},
        ("B", "B4"),
    ),
    (
        "A8",
        {**SEMI_LONG_RF, "magazine_capacity": 5, "foldable_stock": True},
        ("A", "A8"),
        {**SEMI_LONG_RF, "magazine_capacity": 5, "foldable_stock": False},
        ("B", "B4"),
    ),
    (
        "A9",
        {**SEMI_SHORT_CF, "magazine_capacity": 30, "converted_to": "blank_firing"},
        ("A", "A9"),
        {**SEMI_SHORT_CF, "magazine_capacity": 15, "converted_to": "blank_firing"},
        ("B", "B8"),
    ),
    (
        "B1",
        {"action": "repeating", **SHORT},
        ("B", "B1"),
        {"action": "repeating", **LONG, "smooth_bore": False},
        ("C", "C1"),
    ),
    (
        "B2",
        {"action": "single_shot", "ignition": "centre_fire", **SHORT},
        ("B", "B2"),
        {
            "action": "single_shot",
            "ignition": "rimfire",
            "barrel_length_cm": 10,
            "overall_length_cm": 30,
        },
        ("C", "C4"),
    ),
    (
        "B3",
        {
            "action": "single_shot",
            "ignition": "rimfire",
            "barrel_length_cm": 8,
            "overall_length_cm": 27,
        },
        ("B", "B3"),
        {
            "action": "single_shot",
            "ignition": "rimfire",
            "barrel_length_cm": 8,
            "overall_length_cm": 28,
        },
        ("C", "C4"),
    ),
    (
        "B4",
        {**SEMI_LONG_RF, "magazine_capacity": 3},
        ("B", "B4"),
        {**SEMI_LONG_RF, "magazine_capacity": 2, "detachable_magazine": True},
        ("C", "C3"),
    ),
    (
        "B5",
        {**SEMI_SHORT_CF, "ignition": "rimfire", "magazine_capacity": 30},
        ("B", "B5"),
        {**SEMI_SHORT_CF, "magazine_capacity": 30},
        ("A", "A7(a)"),
    ),
    (
        "B6",
        {**SEMI_LONG_CF, "magazine_capacity": 2, "detachable_magazine": True},
        ("B", "B6"),
        {**SEMI_LONG_CF, "magazine_capacity": 2, "detachable_magazine": False},
        ("C", "C3"),
    ),
    (
        "B7",
        {
            "action": "repeating",
            "smooth_bore": True,
            "barrel_length_cm": 60,
            "overall_length_cm": 100,
        },
        ("B", "B7"),
        {
            "action": "repeating",
            "smooth_bore": True,
            "barrel_length_cm": 61,
            "overall_length_cm": 100,
        },
        ("C", "C1"),
    ),
    (
        "B8",
        {"action": "repeating", **SHORT, "converted_to": "salute_acoustic"},
        ("B", "B8"),
        {"action": "repeating", **LONG, "smooth_bore": False, "converted_to": "salute_acoustic"},
        ("C", "C5"),
    ),
    (
        "B9",
        {
            **SEMI_LONG_CF,
            "magazine_capacity": 2,
            "detachable_magazine": False,
            "resembles_automatic": True,
        },
        ("B", "B9"),
        {
            **SEMI_LONG_CF,
            "magazine_capacity": 2,
            "detachable_magazine": False,
            "resembles_automatic": False,
        },
        ("C", "C3"),
    ),
    (
        "C1",
        {"action": "repeating", **LONG, "smooth_bore": False},
        ("C", "C1"),
        {
            "action": "repeating",
            "smooth_bore": True,
            "barrel_length_cm": 50,
            "overall_length_cm": 100,
        },
        ("B", "B7"),
    ),
    (
        "C2",
        {**SINGLE_LONG, "smooth_bore": False},
        ("C", "C2"),
        {**SINGLE_LONG, "smooth_bore": True, "placed_on_market": "2020-05-01"},
        ("C", "C7"),
    ),
    (
        "C3",
        {**SEMI_LONG_RF, "magazine_capacity": 2},
        ("C", "C3"),
        {**SEMI_LONG_RF, "magazine_capacity": 3},
        ("B", "B4"),
    ),
    (
        "C4",
        {
            "action": "single_shot",
            "ignition": "rimfire",
            "barrel_length_cm": 10,
            "overall_length_cm": 28,
        },
        ("C", "C4"),
        {
            "action": "single_shot",
            "ignition": "rimfire",
            "barrel_length_cm": 10,
            "overall_length_cm": 27.9,
        },
        ("B", "B3"),
    ),
    (
        "C5",
        {**SINGLE_LONG, "smooth_bore": False, "converted_to": "blank_firing"},
        ("C", "C5"),
        {"action": "automatic", "converted_to": "blank_firing"},
        ("A", "A9"),
    ),
    (
        "C6",
        {"action": "automatic", "deactivated": True, "deactivation_certified": True},
        ("C", "C6"),
        {"action": "automatic", "deactivated": True, "deactivation_certified": False},
        ("A", "A2"),
    ),
    (
        "C7",
        {**SINGLE_LONG, "smooth_bore": True, "placed_on_market": "2018-09-14"},
        ("C", "C7"),
        {**SINGLE_LONG, "smooth_bore": True, "placed_on_market": "2018-09-13"},
        ("D", "D"),
    ),
    (
        "D",
        {**SINGLE_LONG, "smooth_bore": True, "placed_on_market": "1995-01-01"},
        ("D", "D"),
        {**SINGLE_LONG, "smooth_bore": True},
        ("undetermined", None),
    ),
    (
        "alarm",
        {"kind": "pistol", "alarm_signal_device": True, "meets_alarm_signal_specs": True},
        ("not_a_firearm", None),
        {
            **SEMI_SHORT_CF,
            "magazine_capacity": 8,
            "alarm_signal_device": True,
            "meets_alarm_signal_specs": False,
        },
        ("B", "B5"),
    ),
    (
        "component",
        {**SEMI_SHORT_CF, "magazine_capacity": 33, "component": "slide"},
        ("A", "A7(a)"),
        {**SEMI_SHORT_CF, "magazine_capacity": 17, "component": "barrel"},
        ("B", "B5"),
    ),
]


def _run(facts: dict[str, Any]) -> Any:
    return categorize(parse_facts(facts))


@pytest.mark.parametrize("point,facts,expected", [(c[0], c[1], c[2]) for c in CASES])
def test_positive_case_is_decided_by_its_point(point: str, facts: dict, expected: tuple) -> None:
    result = _run(facts)
    assert (result.category, result.point) == expected, result.reasons
    assert result.missing == []
    assert result.rules_version == load_rules().version
    if expected[1]:
        assert any(r.startswith(f"{expected[1]}:") for r in result.reasons)


@pytest.mark.parametrize("point,facts,expected", [(c[0], c[3], c[4]) for c in CASES])
def test_near_miss_is_not_that_point(point: str, facts: dict, expected: tuple) -> None:
    result = _run(facts)
    assert (result.category, result.point) == expected, result.reasons


def test_every_annex_point_has_a_case() -> None:
    points = {str(r["point"]) for r in load_rules().rules if r.get("point")}
    points |= {v["point"] for v in load_rules().conversion.values()}
    covered = {c[2][1] for c in CASES}
    assert points <= covered


def test_reasons_name_the_deciding_facts() -> None:
    result = _run({**SEMI_SHORT_CF, "magazine_capacity": 21})
    assert "magazine_capacity = 21 (> 20)" in result.reasons
    assert any("barrel_length_cm = 10" in r for r in result.reasons)


def test_missing_facts_make_it_undetermined_and_are_named() -> None:
    result = _run(SEMI_SHORT_CF)
    assert result.category == "undetermined" and result.point is None
    assert result.missing == ["magazine_capacity"]
    # A pistol is short by its kind: its lengths are not asked.
    assert _run({"kind": "pistol"}).missing[:2] == ["action", "ignition"]


def test_alarm_device_without_the_specs_check_is_undetermined() -> None:
    result = _run({**SEMI_SHORT_CF, "magazine_capacity": 8, "alarm_signal_device": True})
    assert result.category == "undetermined"
    assert "meets_alarm_signal_specs" in result.missing


def test_b_and_c_wordings_are_marked_unverified_in_the_data() -> None:
    for rule in load_rules().rules:
        if str(rule.get("point") or "")[:1] in ("B", "C"):
            assert rule["verified"] is False, rule["point"]
        assert rule["source"]
    assert any("unverified" in r for r in _run({"action": "repeating", **SHORT}).reasons)


def test_unknown_fields_and_bad_values_are_clear_errors() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_facts({"action": "automatic", "colour": "black"})
    assert "colour" in str(err.value) and "no such field" in str(err.value)
    with pytest.raises(ValidationFailed) as err:
        parse_facts({"magazine_capacity": "many"})
    assert err.value.problems[0]["field"] == "magazine_capacity"


_bool = st.one_of(st.none(), st.booleans())
_len = st.one_of(st.none(), st.floats(min_value=1, max_value=200, allow_nan=False))
FACTS = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.sampled_from(["pistol", "revolver", "rifle", "shotgun", "machine_gun"]),
        "ignition": st.sampled_from(["centre_fire", "rimfire"]),
        "smooth_bore": _bool,
        "barrel_length_cm": _len,
        "overall_length_cm": _len,
        "magazine_capacity": st.one_of(st.none(), st.integers(0, 100)),
        "detachable_magazine": _bool,
        "foldable_stock": _bool,
        "converted_from_automatic": _bool,
        "converted_to": st.sampled_from([None, "blank_firing", "salute_acoustic"]),
        "disguised": _bool,
        "military_explosive": _bool,
        "resembles_automatic": _bool,
        "placed_on_market": st.one_of(st.none(), st.dates().map(str)),
        "component": st.sampled_from([None, "barrel", "slide", "frame"]),
        "deactivated": st.sampled_from([None, False]),
        "alarm_signal_device": st.sampled_from([None, False]),
    },
)


@settings(max_examples=300, deadline=None)
@given(FACTS)
def test_any_automatic_firearm_is_category_a(facts: dict[str, Any]) -> None:
    result = _run({**facts, "action": "automatic"})
    assert result.category == "A", result.reasons


@settings(max_examples=300, deadline=None)
@given(FACTS, st.sampled_from(["repeating", "semi_automatic", "single_shot", "automatic"]))
def test_a_converted_category_a_firearm_stays_a(facts: dict[str, Any], action: str) -> None:
    facts = {**facts, "action": action, "converted_to": None}
    if _run(facts).category != "A":
        return
    for target in ("blank_firing", "salute_acoustic"):
        converted = _run({**facts, "converted_to": target})
        assert (converted.category, converted.point) == ("A", "A9")


@settings(max_examples=300, deadline=None)
@given(FACTS, st.sampled_from([None, "repeating", "semi_automatic", "single_shot"]))
def test_a_decided_result_names_no_missing_fact(facts: dict[str, Any], action: Any) -> None:
    result = _run({**facts, "action": action})
    if result.category != "undetermined":
        assert result.missing == [] and result.reasons
    else:
        assert result.point is None


def test_the_near_miss_says_which_fact_ruled_it_out() -> None:
    result = _run({**SEMI_SHORT_CF, "magazine_capacity": 20})
    assert "not A7(a): magazine_capacity = 20 (not > 20)" in result.reasons
    long_gun = _run({**SEMI_LONG_RF, "magazine_capacity": 2})
    assert any(r.startswith("not B4: magazine_capacity = 2") for r in long_gun.reasons)
