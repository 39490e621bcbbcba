"""Extraction: every field with its source span, in every script."""

from __future__ import annotations

from armsbridge.monitoring.extract import extract, find_phones
from armsbridge.monitoring.weapons import canonical_calibre


def _span(found: dict, field: str, text: str) -> list[str]:
    return [s["text"] for s in found["spans"] if s["field"] == field]


def test_phones_in_local_forms_become_e164_with_spans() -> None:
    text = "тел 044 123 456 или +389 75 123 456, 070.123.456, 064-123-4567"
    found = extract(text, "mk")
    assert found["phones"] == ["+38344123456", "+38975123456", "+38970123456", "+381641234567"]
    assert _span(found, "phones", text) == [
        "044 123 456",
        "+389 75 123 456",
        "070.123.456",
        "064-123-4567",
    ]


def test_a_national_number_valid_in_two_countries_follows_the_language() -> None:
    assert find_phones("069 123 4567", "sq")[0][0] == "+355691234567"
    assert find_phones("069 123 4567", "sr")[0][0] == "+381691234567"


def test_prices_with_their_currencies() -> None:
    text = "1.200 euro, 350e, 1,5k€, 18.000 ден, 60 денари, 20 mijë lekë, 25.000 din, 500 KM, $40"
    found = extract(text, "sq")
    assert found["prices"] == [
        {"amount": 1200, "currency": "EUR"},
        {"amount": 350, "currency": "EUR"},
        {"amount": 1500, "currency": "EUR"},
        {"amount": 18000, "currency": "MKD"},
        {"amount": 60, "currency": "MKD"},
        {"amount": 20000, "currency": "ALL"},
        {"amount": 25000, "currency": "RSD"},
        {"amount": 500, "currency": "BAM"},
        {"amount": 40, "currency": "USD"},
    ]
    assert _span(found, "prices", text)[:2] == ["1.200 euro", "350e"]


def test_a_count_is_not_a_price_and_all_is_a_word() -> None:
    assert extract("50 fishekë, all for 60 EUR", "en")["prices"] == [
        {"amount": 60, "currency": "EUR"}
    ]


def test_handles_and_messaging_links() -> None:
    text = "t.me/Armet_KS, @Balkan.Guns, https://instagram.com/Tactical_MK wa.me/38344987654"
    found = extract(text, "sq")
    assert found["handles"] == ["armet_ks", "balkan.guns", "tactical_mk"]
    assert found["phones"] == ["+38344987654"]
    assert _span(found, "handles", text)[0] == "t.me/Armet_KS"


def test_weapons_from_the_reference_in_every_script() -> None:
    text = "Застава М70, ЦЗ 99, ТТ и гасен пиштол Zoraki 914 преправен"
    found = extract(text, "mk")
    assert found["weapons"] == [
        {"kind": "assault_rifle", "make": "Zastava", "model": "M70"},
        {"kind": "pistol", "make": "Zastava", "model": "CZ 99"},
        {"kind": "pistol", "make": "Tokarev", "model": "TT-33"},
        {"kind": "alarm_pistol", "make": "Zoraki", "model": "914"},
    ]
    assert _span(found, "weapons", text)[0] == "Застава М70"


def test_slang_kinds_parts_and_figurative_bombs() -> None:
    found = extract("shes kallash dhe 2 karikator per CZ 99, bomba dore", "sq")
    assert found["weapons"] == [
        {"kind": "assault_rifle", "make": None, "model": None},
        {"kind": "part", "make": "Zastava", "model": "CZ 99"},
        {"kind": "grenade", "make": None, "model": None},
    ]
    assert extract("Prodajem Golf, auto je bomba", "sr")["weapons"] == []


def test_calibres_are_canonical() -> None:
    text = "7,62х39, 9mm, 7.65, 7.62x25, 9x18, 12/70, .22 LR, kal. 12, .38 Special"
    found = extract(text, "sr")
    assert found["calibres"] == [
        "7.62x39",
        "9x19",
        "7.65",
        "7.62x25",
        "9x18",
        "12ga",
        ".22lr",
        ".38spl",
    ]
    assert canonical_calibre("7.62") is None


def test_places_and_crypto_with_spans() -> None:
    text = "Prishtinë, Шкупи, Скопје, Fushë Kosovë; BTC bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    found = extract(text, "sq")
    assert found["places"] == [
        {"name": "Pristina", "jurisdiction": "XK"},
        {"name": "Skoplje", "jurisdiction": "MK"},
        {"name": "Kosovo Polje", "jurisdiction": "XK"},
    ]
    assert _span(found, "places", text) == ["Prishtinë", "Шкупи", "Скопје", "Fushë Kosovë"]
    assert found["crypto"] == [
        {"currency": "BTC", "address": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}
    ]
    bad = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"  # one letter changed: checksum fails
    assert extract(bad, "en")["crypto"] == []
