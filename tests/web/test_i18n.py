"""Catalogs: every UI string translated in sq, mk, sr with its placeholders; local formats."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from armsbridge.web.i18n import LANGUAGES, LOCALES_DIR, Formatter, language_from_header

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(language: str):
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh)


@pytest.mark.parametrize("language", ["sq", "mk", "sr"])
def test_every_template_string_is_translated_with_its_placeholders(language: str) -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    catalog = _catalog(language)
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        assert translated is not None, f"{language}: {message.id!r} missing"
        strings = (
            translated.string if isinstance(translated.string, tuple) else (translated.string,)
        )
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        assert all(strings), f"{language}: {message.id!r} untranslated"
        wanted = set(_PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(_PLACEHOLDER.findall(text)) == wanted, f"{language}: {text!r}"


def test_macedonian_is_cyrillic_and_serbian_latin() -> None:
    assert Formatter("mk").gettext("Search") == "Пребарување"
    assert Formatter("sr").gettext("Search") == "Pretraga"
    assert Formatter("sq").gettext("Search") == "Kërko"


def test_dates_and_numbers_follow_the_language() -> None:
    assert Formatter("en").number(12345.5) == "12,345.5"
    assert Formatter("mk").number(12345.5) == "12.345,5"
    assert "мар" in Formatter("mk").date("2026-03-14")
    assert Formatter("sq").date("1986") == "1986"  # a partial date keeps its precision


def test_plural_forms_follow_the_language() -> None:
    fmt = Formatter("sr")
    assert fmt.ngettext("%(num)s record", "%(num)s records", 1) == "1 zapis"
    assert fmt.ngettext("%(num)s record", "%(num)s records", 3) == "3 zapisa"


def test_browser_language_is_used_before_sign_in() -> None:
    assert language_from_header("mk-MK,mk;q=0.9,en;q=0.8") == "mk"
    assert language_from_header("sr-Latn-RS") == "sr"
    assert language_from_header("de-DE") == "en"
    assert set(LANGUAGES) == {"en", "sq", "mk", "sr"}
