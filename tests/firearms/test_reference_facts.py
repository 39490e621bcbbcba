"""Facts from the reference table fill what a record does not state; stated facts win."""

from __future__ import annotations

import csv

import pytest

from armsbridge.firearms.assess import assess
from armsbridge.firearms.calibre import lookup_calibre
from armsbridge.firearms.reference import (
    DATA_DIR,
    MEASURED,
    fact_sources,
    load_models,
    lookup_model,
)

FIREARM_ROWS = [e for e in load_models() if not e.make.startswith("(")]


def test_every_reference_row_names_a_source_and_a_verified_flag_for_its_facts() -> None:
    with (DATA_DIR / "models.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        assert row["source"].strip() and row["verified"] in ("true", "false"), row["model"]
        measured = [row[c] for c in ("barrel_length_cm", "overall_length_cm", "magazine_capacity")]
        if any(measured):
            assert row["facts_source"].strip() and row["facts_verified"] in ("true", "false")


def test_every_measured_fact_names_the_source_that_states_it() -> None:
    for entry in load_models():
        present = [n for n in MEASURED if getattr(entry, n) is not None]
        if not present:
            continue
        sources = fact_sources(entry.facts_source)
        for name in present:
            # A part of the cell names this fact: no fact rests on the row's general source.
            assert sources[name] != entry.facts_source, (entry.title, name)
        assert entry.facts_verified, entry.title


def test_the_ignition_of_a_model_is_the_one_its_calibre_gives() -> None:
    for entry in load_models():
        if entry.ignition:
            calibre = lookup_calibre(entry.calibre)
            assert calibre is not None and calibre.ignition == entry.ignition, entry.title
            assert f"C.I.P. TDCC {calibre.name}" in fact_sources(entry.facts_source)["ignition"]


def test_a_facts_source_cell_without_parts_is_the_source_of_every_fact() -> None:
    assert set(fact_sources("SEESAC").values()) == {"SEESAC"}
    parts = fact_sources("barrel_length_cm, magazine_capacity: site A | ignition: site B")
    assert parts["barrel_length_cm"] == parts["magazine_capacity"] == "site A"
    assert parts["ignition"] == "site B"
    assert fact_sources("SKS pattern: fixed magazine")["magazine_capacity"] == (
        "SKS pattern: fixed magazine"
    )


def test_a_model_without_a_published_capacity_asks_for_it() -> None:
    result = assess({}, make="Zastava", model="M88")
    assert lookup_model("Zastava", "M88").magazine_capacity is None
    assert result.category == "undetermined" and "magazine_capacity" in result.missing
    assert result.provisional == "B5"
    assert [(a.point, a.if_) for a in result.alternatives] == [("A7(a)", "magazine_capacity > 20")]


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
    assert (
        "from the reference: SEESAC, weapons most often seized in the Western Balkans: "
        "action = automatic" in m70.reasons
    )
    m57 = assess({}, make="Застава", model="М57")  # written in Cyrillic
    assert (m57.category, m57.point) == ("B", "B5")


def test_stated_facts_override_the_reference_and_the_contradiction_is_reported() -> None:
    result = assess({"action": "semi_automatic"}, make="Zastava", model="M70")
    assert result.category == "undetermined"  # the record's action, not the reference's A2
    assert "magazine_capacity" in result.missing  # no verified capacity in the reference: asked
    assert len(result.contradictions) == 1
    text = result.contradictions[0]
    assert "action = semi_automatic" in text and "gives automatic" in text
    assert text in result.reasons
    stated = assess({"magazine_capacity": 25}, make="CZ", model="CZ 75")
    assert stated.point == "A7(a)"  # the reference's 16 rounds would give B5
    used = [r for r in stated.reasons if not r.startswith("contradiction")]
    assert "magazine_capacity = 25 (> 20)" in used
    assert not any("magazine_capacity = 16" in r for r in used)
    assert any("magazine_capacity = 25" in c and "gives 16" in c for c in stated.contradictions)
    assert assess({}, make="CZ", model="CZ 75").point == "B5"


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


@pytest.mark.parametrize("text", ["6 mm Flobert", "6mm Flobert", ".22 BB Cap", "6 mm CB"])
def test_the_6_mm_flobert_is_a_live_rimfire_round_not_a_blank(text: str) -> None:
    calibre = lookup_calibre(text)
    assert calibre is not None and calibre.name == "6 mm Flobert"
    assert not calibre.blank and calibre.ignition == "rimfire"
    blank = lookup_calibre("6 mm Platzpatrone")
    assert blank is not None and blank.blank


def test_a_double_barrelled_shotgun_named_only_by_make_and_model_gets_a_provisional_answer() -> (
    None
):
    for make in ("Baikal", "Баикал", "Байкал"):
        result = assess({}, make=make, model="ИЖ-43")
        assert result.provisional_category == "D", make
        points = {a.point for a in result.alternatives}
        assert points == {"B2", "C7"}  # a sawn-off barrel, or a newer gun
