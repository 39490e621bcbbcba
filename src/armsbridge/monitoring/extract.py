"""Extraction from a post: phones (E.164), prices (ISO 4217), handles, places, weapons, calibres,
crypto addresses; every value with its source span in the original text.

Phones are read with `phonenumbers`, trying the regions of the post's language first, so that a
national 069 123 4567 is Albanian in an Albanian post and Serbian in a Serbian one; prices need a
number and a currency (€, EUR, euro, evra, den, денари, MKD, lekë, ALL, RSD, din, dinara, KM, $);
handles come from messaging links (t.me, wa.me, instagram.com, ...) and @mentions.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from armsbridge.monitoring.crypto import find_crypto
from armsbridge.monitoring.text import Folded, fold
from armsbridge.monitoring.weapons import find_calibres, find_weapons, weapon_dict
from armsbridge.names.places import gazetteer, place_key

REGIONS = {
    "sq": ("XK", "AL", "MK", "RS"),
    "mk": ("MK", "XK", "RS", "AL"),
    "sr": ("RS", "XK", "BA", "MK", "ME"),
    "hr": ("HR", "BA", "RS"),
    "bs": ("BA", "RS", "HR", "ME"),
    "en": ("XK", "MK", "RS", "AL", "BA", "HR"),
}
DEFAULT_REGIONS = ("XK", "MK", "RS", "AL")
MAX_TEXT = 20_000  # characters; a longer post is refused by the command

_CURRENCIES = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "eura": "EUR",
    "euros": "EUR",
    "evra": "EUR",
    "evro": "EUR",
    "e": "EUR",
    "den": "MKD",
    "denari": "MKD",
    "denara": "MKD",
    "mkd": "MKD",
    "leke": "ALL",
    "lek": "ALL",
    "leki": "ALL",
    "all": "ALL",
    "rsd": "RSD",
    "din": "RSD",
    "dinara": "RSD",
    "dinari": "RSD",
    "dinar": "RSD",
    "km": "BAM",
    "bam": "BAM",
    "maraka": "BAM",
    "marke": "BAM",
    "marka": "BAM",
    "$": "USD",
    "usd": "USD",
    "dollars": "USD",
}
_THOUSANDS = r"(?:mije|hiljad[aeu]?|hiljade|iljadi|tisuc[aeu]?|tisuca|thousand)"
_NUMBER = r"\d{1,3}(?:[.,\s]\d{3})+(?![\d])|\d+(?:[.,]\d{1,2})?"
_CUR = (
    r"€|\$|eur[oas]?|evr[ao]|den(?:ari|ara)?|mkd|lek[ei]?|all|rsd|din(?:ar[ai]?)?|km|bam"
    r"|mar(?:aka|ke|ka)|usd|dollars"
)
_PRICE_AFTER = re.compile(
    rf"(?<![\w.,])(?P<num>{_NUMBER})(?P<k>k\b|\s*{_THOUSANDS}\b)?\s*(?P<cur>{_CUR})(?![a-z])"
    rf"|(?<![\w.,])(?P<num2>{_NUMBER})(?P<e>e)(?![a-z\d])"
)
_PRICE_BEFORE = re.compile(rf"(?P<cur>€|\$|eur|usd)\s?(?P<num>{_NUMBER})(?P<k>k\b)?")
_WORD_THOUSAND = re.compile(rf"(?<![\w])(?:tisucu|hiljadu)\s+(?P<cur>{_CUR})(?![a-z])")
_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?P<site>t\.me|telegram\.me|instagram\.com|facebook\.com|fb\.com|"
    r"tiktok\.com|twitter\.com|x\.com|wa\.me|signal\.me/#p)/@?(?P<name>[A-Za-z0-9_.+]+)",
    re.IGNORECASE,
)
_MENTION = re.compile(r"(?<![\w@.])@(?P<name>[A-Za-z0-9_][A-Za-z0-9_.]{1,31}[A-Za-z0-9_])")


def _amount(text: str) -> float:
    text = text.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):
        return float(re.sub(r"[.,]", "", text))
    return float(text.replace(",", "."))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def find_phones(text: str, language: str | None) -> list[tuple[str, int, int]]:
    """Return (E.164, start, end) of the phones in a text, national forms read by language."""
    found: list[tuple[str, int, int]] = []
    for m in _LINK.finditer(text):  # wa.me/38344123456: the link is a phone
        if m.group("site").lower() == "wa.me":
            number = _parse("+" + m.group("name").lstrip("+"), None)
            if number:
                found.append((number, m.start(), m.end()))
    for region in REGIONS.get(language or "", DEFAULT_REGIONS):
        for match in phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID):
            if any(s < match.end and match.start < e for _, s, e in found):
                continue
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            found.append((e164, match.start, match.end))
    return sorted(found, key=lambda p: p[1])


def _parse(text: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_prices(folded: Folded, taken: list[tuple[int, int]]) -> list[tuple[dict, int, int]]:
    """Return ({"amount", "currency"}, start, end) of the prices in a folded text."""
    out: list[tuple[dict[str, Any], int, int]] = []
    original = folded.original

    def add(amount: float, currency: str, fs: int, fe: int) -> None:
        start, end = folded.span(fs, fe)
        if any(s < end and start < e for s, e in taken + [(s, e) for _, s, e in out]):
            return
        out.append(({"amount": _number(amount), "currency": currency}, start, end))

    for m in _PRICE_AFTER.finditer(folded.text):
        if m.group("e"):
            add(_amount(m.group("num2")), "EUR", m.start(), m.end())
            continue
        cur = m.group("cur")
        # "all" is the English word unless written ALL.
        if cur == "all" and original[slice(*folded.span(m.start("cur"), m.end("cur")))] != "ALL":
            continue
        amount = _amount(m.group("num"))
        if m.group("k"):
            amount *= 1000
        add(amount, _CURRENCIES[cur], m.start(), m.end())
    for m in _PRICE_BEFORE.finditer(folded.text):
        amount = _amount(m.group("num")) * (1000 if m.group("k") else 1)
        add(amount, _CURRENCIES[m.group("cur")], m.start(), m.end())
    for m in _WORD_THOUSAND.finditer(folded.text):
        add(1000, _CURRENCIES[m.group("cur")], m.start(), m.end())
    return sorted(out, key=lambda p: p[1])


def find_handles(text: str) -> list[tuple[str, int, int]]:
    """Return (handle, start, end): messaging links and @mentions, lower-case, no @ or URL."""
    out: list[tuple[str, int, int]] = []
    for m in _LINK.finditer(text):
        if m.group("site").lower() != "wa.me":
            name = m.group("name").rstrip(".").lower()
            out.append((name, m.start(), m.end()))
    for m in _MENTION.finditer(text):
        if not any(s <= m.start() < e for _, s, e in out):
            out.append((m.group("name").rstrip(".").lower(), m.start(), m.end()))
    return sorted(out, key=lambda h: h[1])


def _place_names() -> dict[str, dict[str, str]]:
    data = gazetteer()
    out: dict[str, dict[str, str]] = {}
    for jurisdiction in ("xk", "mk"):
        for place in data[jurisdiction]:
            out[place_key(place["sr"])] = {
                "name": place.get("en") or place["sr"],
                "jurisdiction": jurisdiction.upper(),
            }
    return out


def find_places(text: str) -> list[tuple[dict[str, str], int, int]]:
    """Return ({"name", "jurisdiction"}, start, end) of Kosovo and North Macedonia places."""
    names = _place_names()
    words = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    out: list[tuple[dict[str, str], int, int]] = []
    i = 0
    while i < len(words):
        for n in (3, 2, 1):
            chunk = words[i : i + n]
            if len(chunk) < n or not chunk[0][0][:1].isupper():
                continue
            key = place_key(" ".join(w for w, _, _ in chunk))
            if key.startswith("@") and key in names:
                out.append((dict(names[key]), chunk[0][1], chunk[-1][2]))
                i += n - 1
                break
        i += 1
    return out


def extract(text: str, language: str | None = None) -> dict[str, Any]:
    """Return the extractions of a post (item-4 keys) and, under "spans", where each was read."""
    folded = fold(text)
    spans: list[dict[str, Any]] = []

    def keep(field: str, value: Any, start: int, end: int) -> Any:
        spans.append(
            {"field": field, "value": value, "start": start, "end": end, "text": text[start:end]}
        )
        return value

    crypto = [keep("crypto", v, s, e) for v, s, e in find_crypto(text)]
    phones_found = find_phones(text, language)
    handles_found = find_handles(text)
    taken = [(s, e) for _, s, e in phones_found] + [(s, e) for _, s, e in handles_found]
    taken += [(sp["start"], sp["end"]) for sp in spans]
    weapons = find_weapons(folded)
    calibres_found = find_calibres(folded, weapons, taken)
    taken += [(s, e) for _, s, e in calibres_found]
    phones = _unique(keep("phones", v, s, e) for v, s, e in phones_found)
    prices = _unique(keep("prices", v, s, e) for v, s, e in find_prices(folded, taken))
    handles = _unique(keep("handles", v, s, e) for v, s, e in handles_found)
    weapon_list = [keep("weapons", weapon_dict(w), w.start, w.end) for w in weapons]
    calibres = _unique(keep("calibres", v, s, e) for v, s, e in calibres_found)
    places = _unique(keep("places", v, s, e) for v, s, e in find_places(text))
    spans.sort(key=lambda sp: (sp["start"], sp["field"]))
    return {
        "phones": phones,
        "prices": prices,
        "handles": handles,
        "weapons": weapon_list,
        "calibres": calibres,
        "places": places,
        "crypto": _unique(crypto),
        "spans": spans,
    }


def _unique(values: Any) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out
