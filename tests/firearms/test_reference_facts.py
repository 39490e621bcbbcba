"""Facts from the reference table fill what a record does not state; stated facts win."""

from __future__ import annotations

import csv

import pytest

from armsbridge.firearms.assess import assess
from armsbridge.firearms.reference import DATA_DIR, load_models, lookup_model

FIREARM_ROWS = [e for e in load_models() if not e.make.startswith("(")]


def test_every_reference_row_names_a_source_and_a_verified_flag_for_its_facts() -> None:
    with (DATA_DIR / "models.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        assert row["source"].strip() and row["verified"] in ("true", "false"), row["model"]
        measured = [row[c] for c in ("barrel_length_cm", "overall_length_cm", "magazine_capacity")]
        if any(measured):
            assert row["facts_source"].strip() and row["facts_verified"] in ("true", "false")


def test_the_table_covers_the_models_most_seized_in_the_region() -> None:
    titles = {e.title for e in load_models()}
    for wanted in (
        "Zastava M70",
        "Zastava M48",
        "Zastava M57",
        "Zastava M84",
        "Tokarev TT-33",
        "CZ CZ 75",
        "Ekol Tuna",
        "Retay (any model)",
        "Zoraki (any model)",
        "Kuzey (any model)",
    ):
        assert wanted in titles


@pytest.mark.parametrize("entry", FIREARM_ROWS, ids=lambda e: e.title)
def test_make_and_model_alone_give_a_category_or_a_provisional_answer(entry) -> None:
    model = None if entry.model == "*" else entry.model
    result = assess({}, make=entry.make, model=model)
    assert result.reference == entry.title
    assert result.category != "undetermined" or result.provisional, result.reasons
    assert any(r.startswith("from the reference: ") for r in result.reasons)


def test_reference_facts_decide_the_zastava_m70_and_m57() -> None:
    m70 = assess({}, make="Zastava", model="M70")
    assert (m70.category, m70.point) == ("A", "A2")
    assert "from the reference: DOMAIN.md §4 (SEESAC): action = automatic" in m70.reasons
    m57 = assess({}, make="Застава", model="М57")  # written in Cyrillic
    assert (m57.category, m57.point) == ("B", "B5")


def test_stated_facts_override_the_reference_and_the_contradiction_is_reported() -> None:
    result = assess({"action": "semi_automatic"}, make="Zastava", model="M70")
    assert result.point == "A7(b)"  # the record's action, the reference's 30-round magazine
    assert len(result.contradictions) == 1
    text = result.contradictions[0]
    assert "action = semi_automatic" in text and "gives automatic" in text
    assert text in result.reasons
    stated = assess(
        {"magazine_capacity": 10, "action": "semi_automatic"}, make="Zastava", model="M70"
    )
    assert stated.point == "B4"
    used = [r for r in stated.reasons if not r.startswith("contradiction")]
    assert "magazine_capacity = 10 (< 11)" in used
    assert not any("magazine_capacity = 30" in r for r in used)
    assert any("magazine_capacity = 10" in c for c in stated.contradictions)


def test_a_live_calibre_on_a_blank_model_is_a_contradiction() -> None:
    result = assess({}, make="Ekol", model="Tuna", calibre="9x19")
    assert any("possible conversion" in c for c in result.contradictions)
    assert not assess({}, make="Ekol", model="Tuna", calibre="9 mm P.A.K.").contradictions


def test_a_marking_alone_identifies_the_reference_entry() -> None:
    result = assess({}, markings="EKOL TUNA CAL. 9mm P.A.K. PTB 948 MADE IN TURKEY")
    assert result.reference == "Ekol Tuna"
    assert "meets_alarm_signal_specs" in result.missing


def test_a_cyrillic_ptb_mark_is_read_like_the_latin_one() -> None:
    latin = assess({"kind": "pistol"}, markings="PTB 948")
    cyrillic = assess({"kind": "pistol"}, markings="ПТБ 948")
    assert "meets_alarm_signal_specs" in latin.missing and latin.missing == cyrillic.missing


def test_the_calibre_tells_the_m70_rifle_from_the_m70_pistol() -> None:
    assert lookup_model("Zastava", "M70").kind == "rifle"
    assert lookup_model("Zastava", "M70", "7.65 mm").kind == "pistol"


def test_the_calibre_tells_the_m84_machine_gun_from_the_m84_scorpion() -> None:
    assert lookup_model("Zastava", "M84").kind == "machine_gun"
    assert lookup_model("Zastava", "M84", "9 mm kratak").kind == "submachine_gun"
    assert assess({}, make="Zastava", model="M84", calibre="9 mm kratak").point == "A2"


def test_the_calibre_gives_the_ignition_when_the_record_does_not() -> None:
    facts = {"kind": "pistol", "action": "semi_automatic", "magazine_capacity": 15}
    result = assess(facts, calibre="9 mm Luger")
    assert result.point == "B5"
    assert any(r.startswith("from the reference: calibre 9x19") for r in result.reasons)
    rimfire = assess({"kind": "rifle", "action": "single_shot"}, calibre=".22 LR")
    assert "ignition" not in rimfire.missing
    stated = assess({**facts, "ignition": "rimfire"}, calibre="9 mm Luger")
    assert not any("calibre 9x19" in r for r in stated.reasons if "from the reference" in r)
