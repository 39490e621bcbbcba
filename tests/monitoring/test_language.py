"""Language and script of short posts: Serbian Latin vs Croatian vs Bosnian, Serbian Cyrillic
vs Macedonian, Albanian with and without its letters, English; texts without letters."""

from __future__ import annotations

import pytest

from armsbridge.monitoring.language import identify, script_of


@pytest.mark.parametrize(
    ("text", "language", "script"),
    [
        ("Prodajem lepo očuvan pištolj, cena 300e", "sr", "Latn"),
        ("prodacu pistolj, da li neko hoce, 25 hiljada dinara", "sr", "Latn"),
        ("Prodajem lijepo očuvan pištolj, cijena 300 eura", "hr", "Latn"),
        ("Prodat ću pištolj, tko želi neka se javi", "hr", "Latn"),
        ("Prodajem pištolj, jarane, 500 KM, Sarajevo", "bs", "Latn"),
        ("Продајем пиштољ, цена 300 евра, Ниш", "sr", "Cyrl"),
        ("Продаћу пиштољ", "sr", "Cyrl"),
        ("Продавам пиштол, 300 евра, Куманово", "mk", "Cyrl"),
        ("Барам пиштол, ќе платам добро", "mk", "Cyrl"),
        ("Shes pistoletë, 300€, shkruaj në inbox", "sq", "Latn"),
        ("shes pistolete per 300 euro", "sq", "Latn"),
        ("Selling a pistol, 300 EUR, DM me", "en", "Latn"),
    ],
)
def test_language_and_script_of_short_posts(text: str, language: str, script: str) -> None:
    guess = identify(text)
    assert (guess.language, guess.script) == (language, script), guess.scores


def test_the_script_is_the_majority_of_letters() -> None:
    assert script_of("Продавам Glock 17") == "Cyrl"
    assert script_of("Selling Глок") == "Latn"
    assert script_of("044 123 456 !!") == "Zyyy"


def test_a_text_without_letters_has_no_language() -> None:
    guess = identify("044 123 456")
    assert (guess.language, guess.script) == ("und", "Zyyy")


def test_macedonian_and_serbian_letters_decide_cyrillic() -> None:
    assert identify("ѓ").language == "mk"
    assert identify("ћ").language == "sr"
