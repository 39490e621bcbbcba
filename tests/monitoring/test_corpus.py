"""The triage corpus: enough lines, every field, a held-out split, gold values in their forms."""

from __future__ import annotations

from collections import Counter

import phonenumbers

from armsbridge.monitoring.corpus import (
    LABELS,
    LANGUAGES,
    group_of,
    load_corpus,
    same_words,
    valid_languages,
)
from armsbridge.monitoring.language import script_of

KINDS = {
    "pistol",
    "revolver",
    "rifle",
    "assault_rifle",
    "shotgun",
    "submachine_gun",
    "grenade",
    "explosive",
    "ammunition",
    "launcher",
    "part",
    "alarm_pistol",
}


def test_the_corpus_covers_every_language_script_and_label() -> None:
    rows = load_corpus()
    assert len(rows) >= 600
    assert len({r["id"] for r in rows}) == len(rows)
    groups = Counter(group_of(r) for r in rows)
    for group in ("sq-Latn", "mk-Cyrl", "sr-Latn", "sr-Cyrl", "hr-Latn", "bs-Latn", "en-Latn"):
        assert groups[group] >= 80, group
    assert {r["label"] for r in rows} == set(LABELS)
    assert {r["language"] for r in rows} == set(LANGUAGES)
    short = sum(1 for r in rows if len(r["text"]) < 60)
    assert short > len(rows) / 2


def test_the_held_out_split_is_fixed_and_apart() -> None:
    train, test = load_corpus("train"), load_corpus("test")
    assert len(test) >= 140 and len(train) + len(test) == len(load_corpus())
    assert not {r["text"] for r in test} & {r["text"] for r in train if r["language"] == "sq"}
    assert all(int(r["id"].rsplit("-", 1)[1]) % 4 == 0 for r in test)


def test_gold_values_are_in_their_forms() -> None:
    for row in load_corpus():
        assert row["script"] == script_of(row["text"]), row["id"]
        gold = row["extractions"]
        for phone in gold["phones"]:
            assert phonenumbers.is_valid_number(phonenumbers.parse(phone)), row["id"]
        for price in gold["prices"]:
            assert len(price["currency"]) == 3 and price["amount"] > 0, row["id"]
        assert all(h == h.lower() and not h.startswith("@") for h in gold["handles"])
        assert all(w["kind"] in KINDS for w in gold["weapons"]), row["id"]


def test_a_line_of_the_same_words_is_valid_in_each_language_it_was_filed_under() -> None:
    rows = [
        {"text": "Prodajem iPhone 12, kamera je bomba", "language": "hr"},
        {"text": "prodajem iphone 12 kamera je bomba!", "language": "sr"},
        {"text": "Продајем iPhone 12, камера је бомба", "language": "sr"},
        {"text": "Tražim pištolj", "language": "bs"},
    ]
    valid = valid_languages(rows)
    assert valid[same_words("Prodajem iPhone 12 — kamera je bomba")] == {"hr", "sr"}
    assert valid[same_words("Продајем iPhone 12, камера је бомба")] == {"sr"}  # another script
    assert valid[same_words("trazim pistolj")] == {"bs"}  # diacritics dropped, same words
