"""Encoding detection: a Windows-1251 or -1250 export is told apart even from one short name."""

from __future__ import annotations

import pytest

from armsbridge.imports.readers import detect_encoding

# Hand-written from the naming facts: Macedonian and Serbian Cyrillic, Albanian and Serbian Latin.
CYRILLIC = ["Ќирил", "Ѓорѓи", "Љупчо", "Ѕвонко", "Џафер", "Јовановиќ", "Жаклина", "Ана", "Ћ"]
LATIN = ["Përparim", "Đorđe", "Šabani", "Çelik", "Žarko", "Ćosić", "Dhurata", "Čačić", "ëë Gashi"]


@pytest.mark.parametrize("name", CYRILLIC)
def test_a_single_cyrillic_name_is_windows_1251(name):
    assert detect_encoding(f"1;{name};01.01.2000\n".encode("cp1251")) == "cp1251"


@pytest.mark.parametrize("name", LATIN)
def test_a_single_latin_name_is_windows_1250(name):
    assert detect_encoding(f"1;{name};Prishtinë\n".encode("cp1250")) == "cp1250"


def test_cyrillic_names_next_to_ascii_places_are_windows_1251():
    text = "ID;EMRI;VENDI\n1;Ќирил Петровски;Skopje\n2;Шпреса;Tetovo\n"
    assert detect_encoding(text.encode("cp1251")) == "cp1251"


def test_utf8_with_and_without_a_bom():
    assert detect_encoding("Ќирил".encode()) == "utf-8"
    assert detect_encoding("Ќирил".encode("utf-8-sig")) == "utf-8-sig"


def test_a_byte_undefined_in_windows_1251_does_not_stop_detection():
    # 0x98 has no character in Windows-1251; the word beside it still reads as Cyrillic ("ил").
    assert detect_encoding(b"1;\x98;\xe8\xeb;x\n") == "cp1251"
