"""Normalised forms of identifiers kept beside the raw text: plates and phone numbers."""

from __future__ import annotations

import unicodedata

import phonenumbers

from armsbridge.errors import ValidationFailed
from armsbridge.firearms.serials import LOOKALIKE_TO_LATIN
from armsbridge.i18n_marker import N_

_LATIN = str.maketrans(LOOKALIKE_TO_LATIN)

# Default region for numbers written without a country code: the record's jurisdiction.
# libphonenumber knows Kosovo as region "XK" (+383) and North Macedonia as "MK" (+389).
DEFAULT_REGIONS = {"XK": "XK", "MK": "MK"}


def normalise_plate(raw: str | None) -> str | None:
    """Return a plate as compared: upper case, no spaces or separators, look-alikes as Latin."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", str(raw)).upper().translate(_LATIN)
    plate = "".join(ch for ch in text if ch.isalnum())
    return plate or None


def normalise_phone(
    raw: str | None, *, jurisdiction: str | None, country: str | None = None, field: str = "number"
) -> tuple[str | None, str | None]:
    """Return (E.164, region) of a phone number; national numbers take the jurisdiction's region.

    Raises ValidationFailed naming `field` when the text cannot be a phone number.
    """
    if raw is None or not str(raw).strip():
        return None, None
    region = (country or DEFAULT_REGIONS.get(jurisdiction or "", jurisdiction) or "").upper()
    text = str(raw).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    expected = "a phone number (national, or international with +383 / +389 / 00...)"
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed(
            N_("%(field)s: %(raw)r is not %(expected)s"),
            [{"field": field, "value": str(raw), "expected": expected}],
            values={"field": field, "raw": raw, "expected": expected},
        ) from exc
    if not phonenumbers.is_possible_number(number):
        raise ValidationFailed(
            N_("%(field)s: %(raw)r has the wrong number of digits for a phone number"),
            [{"field": field, "value": str(raw), "expected": expected}],
            values={"field": field, "raw": raw},
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, phonenumbers.region_code_for_number(number)
