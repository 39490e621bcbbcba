"""Language and script of short posts: Serbian Latin vs Croatian vs Bosnian, Serbian Cyrillic
vs Macedonian, Albanian with and without its letters, English; texts without letters."""

from __future__ import annotations

import pytest
import yaml

from armsbridge.monitoring.language import MARKERS_FILE, identify, script_of


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


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Tko prodaje lijepo očuvan pištolj?", "hr"),  # ijekavian + tko
        ("Prodajem pištolj, lepo očuvan, cena po dogovoru", "sr"),  # ekavian
        ("sta nudite za pistolj, lijepo ocuvan", "bs"),  # ijekavian + šta, without diacritics
        ("treba mi hljeb i kahva, jarane", "bs"),
        ("kupujem kruh i mlijeko", "hr"),
        ("kupujem hleb i mleko", "sr"),
    ],
)
def test_jat_and_lexical_cues_tell_the_three_apart(text: str, language: str) -> None:
    guess = identify(text)
    assert guess.language == language, (guess.scores, guess.cues)
    assert guess.scores[language] > 0.6


def test_ijekavian_alone_rules_out_serbian_of_serbia() -> None:
    guess = identify("Prodajem pištolj, lijepo očuvan, cijena po dogovoru")
    assert guess.language in {"hr", "bs"}
    assert guess.scores["sr"] < 0.1


@pytest.mark.parametrize(
    ("phone", "language"),
    [("+385 91 234 5678", "hr"), ("+387 61 234 567", "bs"), ("+381 64 123 4567", "sr")],
)
def test_a_phone_prefix_alone_decides(phone: str, language: str) -> None:
    guess = identify(f"Prodajem pištolj, zovi {phone}")
    assert guess.language == language, (guess.scores, guess.cues)


def test_a_post_with_no_cue_gets_a_guess_with_low_confidence() -> None:
    guess = identify("Prodajem pištolj, javi se")
    assert guess.language in {"sr", "hr", "bs"}
    assert max(guess.scores.values()) < 0.6, guess.scores
    assert identify("Prodajem pištolj, lepo očuvan").scores["sr"] > 0.8


def test_mixed_script_posts_follow_the_majority_and_its_cues() -> None:
    guess = identify("Продајем Glock 17, цена 500 динара, Београд")
    assert (guess.language, guess.script) == ("sr", "Cyrl")
    guess = identify("Prodajem пиштољ, lepo očuvan, cena 300 evra")
    assert (guess.language, guess.script) == ("sr", "Latn")


def test_macedonian_ekavian_words_do_not_make_a_post_serbian() -> None:
    assert identify("Продавам пиштол, цена 300 евра, се е исправен").language == "mk"


def test_a_town_of_republika_srpska_is_not_taken_for_croatian() -> None:
    guess = identify("Prodajem pištolj, Banja Luka")
    assert guess.language in {"sr", "bs"}, guess.scores


def test_every_cue_group_names_its_source_and_whether_it_is_verified() -> None:
    data = yaml.safe_load(MARKERS_FILE.read_text("utf-8"))
    for name, group in data["cues"].items():
        assert group["source"] in data["sources"], name
        assert isinstance(group["verified"], bool), name
        assert set(group["languages"]) <= {"sq", "mk", "sr", "hr", "bs", "en"}, name


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        ("Курс спортског стрељаштва у суботу", {"sr"}),  # declined adjective: Serbian, not mk
        ("Продавам ловечка пушка, спортско стрелаштво", {"mk"}),
        ("kurs gađanja, prijave do petka", {"sr", "bs"}),  # kurs: Serbian or Bosnian, not tečaj
        ("Fortnite račun sa skinovima, 50 KM", {"bs"}),  # račun is every variety's; KM is Bosnian
        ("prodacu pusku, lijepo ocuvana, pet hiljada", {"bs"}),  # fused future + ijekavian
        ("traži se municija, Kosovska Mitrovica", {"sr"}),
    ],
)
def test_words_every_variety_shares_do_not_decide_and_those_one_lacks_do(
    text: str, languages: set[str]
) -> None:
    guess = identify(text)
    assert guess.language in languages, (guess.scores, guess.cues)
