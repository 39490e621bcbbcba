"""The offer / wanted / other classifier: offers, requests and the hard negatives."""

from __future__ import annotations

import pytest

from armsbridge.monitoring.classify import classify


@pytest.mark.parametrize(
    "text",
    [
        "Shes kallash pa letra, 900€, 044 123 456",
        "Продавам пиштол ТТ, 300 евра",
        "prodajem pištolj bez papira, 250e",
        "Menjam TT za kalaš",
    ],
)
def test_offers(text: str) -> None:
    result = classify(text)
    assert result.label == "offer" and result.score >= 0.5, result


@pytest.mark.parametrize("text", ["Kerkoj pistolete, paguaj mire", "Барам калашников", "WTB AK"])
def test_requests(text: str) -> None:
    result = classify(text)
    assert result.label == "wanted" and result.score >= 0.5, result


@pytest.mark.parametrize(
    "text",
    [
        "Policia sekuestroi 3 kallashnikove ne Drenas",  # news of a seizure
        "Prodajem airsoft pištolj, kuglice 6mm",  # airsoft
        "Replika kalašnjikova, ne puca, za dekoraciju",  # replica
        "Играчка пиштол за деца",  # toy
        "Selling AK-47 skin for CS2, 20 EUR",  # game skin
        "Petarde i vatromet za Novu godinu",  # fireworks
        "Prodajem Golf 5, auto je bomba",  # car in weapon slang
        "Oružarnica: lovačke puške samo uz dozvolu",  # licensed shop
        "Prodajem dvogled i čizme za lov",  # hunting gear
    ],
)
def test_hard_negatives_are_other(text: str) -> None:
    result = classify(text)
    assert result.label == "other" and result.score < 0.5, result


def test_the_words_that_drove_the_score_are_from_the_text() -> None:
    result = classify("Shes kallash M70, 900€")
    assert result.words and "shes" in result.words
    assert abs(sum(result.probabilities.values()) - 1) < 1e-3
    assert result.score == pytest.approx(1 - result.probabilities["other"], abs=1e-3)
