"""Serial and calibre normalisation, markings, and the make/model reference table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from armsbridge.firearms.calibre import is_blank_calibre, normalise_calibre
from armsbridge.firearms.reference import lookup_model, parse_markings
from armsbridge.firearms.serials import fold_confusables, normalise_serial
from armsbridge.firearms.service import identify


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("k7-245 21", "K724521"),
        ("К7245", "K7245"),  # Cyrillic К
        ("АВЕКМНОРСТХУ", "ABEKMHOPCTXY"),  # every Cyrillic look-alike
        ("авекмнорстху", "ABEKMHOPCTXY"),
        ("AB/12.34_5", "AB12345"),
        ("№ 0012", "0012"),
        ("ＡＢ１２", "AB12"),  # full-width characters
        ("", ""),
    ],
)
def test_normalise_serial(raw: str, expected: str) -> None:
    assert normalise_serial(raw) == expected


def test_misreadings_fold_together_but_distinct_characters_do_not() -> None:
    assert fold_confusables("O1I L5S8B2Z") == fold_confusables("0111558822")
    assert fold_confusables("K7") != fold_confusables("X7")


@given(st.text(max_size=20))
def test_normalised_serial_is_stable_and_has_no_separators(raw: str) -> None:
    once = normalise_serial(raw)
    assert normalise_serial(once) == once
    assert all(ch.isalnum() for ch in once)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("7.62×39", "7.62x39"),
        ("7,62x39mm", "7.62x39"),
        ("7.62x39 M43", "7.62x39"),
        ("cal. 7,62 x 39 mm", "7.62x39"),
        ("кал. 7,62х39", "7.62x39"),
        ("9 mm Luger", "9x19"),
        ("9x19 Parabellum", "9x19"),
        (".380 ACP", "9x17"),
        ("7,62 Tokarev", "7.62x25"),
        ("8x57 IS", "7.92x57"),
        ("12/70", "12 gauge"),
        ("9mm PAK", "9 mm P.A.K."),
        ("9 mm P.A.K.", "9 mm P.A.K."),
        ("5,45x39", "5.45x39"),  # not in the table, still one stored form
        ("", None),
        ("unknown", None),
    ],
)
def test_normalise_calibre(text: str, expected: str | None) -> None:
    assert normalise_calibre(text) == expected


def test_blank_calibres_are_recognised() -> None:
    assert is_blank_calibre("9 mm P.A.K.") and is_blank_calibre(".380 blank")
    assert not is_blank_calibre("9x19") and not is_blank_calibre(".380 ACP")
    assert not is_blank_calibre(None)


def test_markings_of_a_turkish_alarm_pistol() -> None:
    marks = parse_markings("ZORAKI MOD. 914 CAL. 9mm P.A.K. PTB 1008 Made in Turkey")
    kinds = {m.kind for m in marks}
    assert {"ptb_mark", "blank_word", "calibre", "made_in"} <= kinds
    assert next(m for m in marks if m.kind == "ptb_mark").text == "PTB 1008"
    assert next(m for m in marks if m.kind == "calibre").blank


@pytest.mark.parametrize("text", ["Knall", ".380 blank", "SIGNAL 15mm", "Schreckschuss"])
def test_blank_words_are_marked_blank(text: str) -> None:
    assert any(m.blank for m in parse_markings(text))


def test_proof_and_conversion_markings() -> None:
    marks = parse_markings("C.I.P. proof; barrel drilled")
    assert any(m.kind == "proof_mark" and not m.blank for m in marks)
    assert any(m.conversion for m in marks)
    assert parse_markings("Zastava M70AB2 7.62x39") == [
        m for m in parse_markings("Zastava M70AB2 7.62x39") if not m.blank
    ]


@pytest.mark.parametrize(
    "make,model,expected",
    [
        ("Zoraki", "914", ("Zoraki", "914", True)),
        ("ATAK ARMS", "2918", ("Zoraki", "*", True)),
        ("Ekol", "Tuna", ("Ekol", "Tuna", True)),
        ("Voltran", None, ("Ekol", "*", True)),
        ("Crvena Zastava", "M70AB2", ("Zastava", "M70", False)),
        (None, "M-57", ("Zastava", "M57", False)),
        ("Zastava", "CZ99", ("Zastava", "CZ 99", False)),
        (None, "M75", ("(hand grenade)", "M75", False)),
    ],
)
def test_reference_lookup(make: str | None, model: str | None, expected: tuple) -> None:
    entry = lookup_model(make, model)
    assert entry is not None
    assert (entry.make, entry.model, entry.blank_firing) == expected


def test_unknown_or_ambiguous_models_are_not_guessed() -> None:
    assert lookup_model("Beretta", "92") is None
    assert lookup_model(None, "17") is None


def test_retay_is_marked_unverified() -> None:
    entry = lookup_model("Retay", "anything")
    assert entry is not None and entry.verified is False


def test_identify_combines_model_calibre_and_markings() -> None:
    out = identify(make="Ekol", model="Tuna", calibre="9mm PAK", markings="drilled barrel")
    assert out["blank_firing"] is True
    assert out["calibre"]["normalised"] == "9 mm P.A.K." and out["calibre"]["blank"]
    assert out["conversion_signs"] == ["drilled barrel"]
