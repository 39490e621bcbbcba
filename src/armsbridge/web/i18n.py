"""UI languages: Babel catalogs (en, sq, mk, sr) compiled in memory at start, localised formats.

The `.po` catalogs under web/locales/ are the only translation files in the repository; they are
compiled in memory the first time a language is used, so no `.mo` file is built or shipped.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from armsbridge.errors import UserError
from armsbridge.i18n_marker import N_, Label, Phrase
from armsbridge.vocab.registry import record_types
from armsbridge.vocab.service import enum_label

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"

# UI language code -> (Babel locale used for dates and numbers, name in its own language).
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("en_GB", "English"),
    "sq": ("sq", "Shqip"),
    "mk": ("mk", "Македонски"),
    "sr": ("sr_Latn", "Srpski"),
}
DEFAULT_LANGUAGE = "en"


def normalise_language(code: str | None) -> str:
    """Return a supported UI language code for `code` ("sr-Latn" -> "sr"), else the default."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def language_from_header(accept_language: str | None) -> str:
    """Return the first supported language of an Accept-Language header, else the default."""
    for part in (accept_language or "").split(","):
        base = part.split(";")[0].strip().replace("-", "_").split("_")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    """Return the gettext translations of `language`, compiled from its .po catalog."""
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT_LANGUAGE or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=LANGUAGES[language][0])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def babel_locale(language: str) -> Locale:
    """Return the Babel locale for a UI language code."""
    return Locale.parse(LANGUAGES[normalise_language(language)][0])


# Rows that audit entries name but the records registry does not describe (tables that pass
# restrict() by their own `__restrict_type__`): (label, plural).
OTHER_ROW_TYPES = {
    "capture": (N_("Online capture"), N_("Online captures")),
    "passage": (N_("Border passage"), N_("Border passages")),
}


class Formatter:
    """Localised gettext and formats for one request, handed to templates as `fmt` and `_`."""

    def __init__(self, language: str) -> None:
        self.language = normalise_language(language)
        self.locale = babel_locale(self.language)
        self._t = translations(self.language)

    def gettext(self, message: str, **values: Any) -> str:
        """Translate `message` and fill its %(name)s placeholders (a `Phrase` fills its own)."""
        if isinstance(message, Phrase) and not values:
            return self.message(message.template, message.values)
        text = self._t.gettext(message)
        return text % values if values else text

    def message(self, template: str, values: dict[str, object] | None = None) -> str:
        """Translate a user error's template and fill its values in this language.

        A value that is a catalog label (`Label`) is translated too, one that is a `Phrase` or a
        user error is said in full; anything else (what the user typed, numbers) is filled as
        given.
        """
        filled = {k: self._value(v) for k, v in (values or {}).items()}
        return self.gettext(template, **filled)

    def error(self, exc: UserError) -> str:
        """The sentence of a user error (`exc`) in this language, its values filled in."""
        return self.message(exc.template, exc.values)

    def _value(self, value: object) -> object:
        if isinstance(value, Label):
            return self._t.gettext(value)
        if isinstance(value, Phrase | UserError):
            return self.message(value.template, value.values)
        return value

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        """Translate a message with a count (the count is available as %(num)s)."""
        text = self._t.ngettext(singular, plural, n)
        values.setdefault("num", n)
        return text % values

    def enum(self, enum: str, code: object) -> str:
        """Return the label of a code of a vocab/enums.yaml enumeration in this language."""
        label = enum_label(enum, code)
        return self._t.gettext(label) if label else ""

    def record_type(self, name: str | None, plural: bool = False) -> str:
        """Return the label of a record type (vocab/records.yaml) in this language."""
        known = record_types().get(name or "")
        if known is None:
            other = OTHER_ROW_TYPES.get(name or "")
            return self._t.gettext(other[plural]) if other else name or ""
        return self._t.gettext(known.plural if plural else known.label)

    def country(self, code: str | None) -> str:
        """Return the name of an ISO 3166 country code (XK included) in this language."""
        if not code:
            return ""
        return self.locale.territories.get(str(code).upper(), str(code))

    def date(self, value: date | datetime | str | None) -> str:
        """Format a date (or a partial ISO date such as "1986" or "1986-03") for this language."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            if len(value) == 10:
                value = date.fromisoformat(value)
            else:
                return value  # partial dates keep their known precision as written
        if isinstance(value, datetime):
            return format_datetime(value, format="medium", locale=self.locale)
        return format_date(value, format="medium", locale=self.locale)

    def number(self, value: float | int | None) -> str:
        """Format a number with this language's separators."""
        if value is None:
            return ""
        return format_decimal(value, locale=self.locale)


def all_catalogs() -> list[Path]:
    """Return the .po catalog of every translated language (for checks and tests)."""
    return sorted(LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
