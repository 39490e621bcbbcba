"""Realistic recording noise: typos, dates, serials, plates, phone numbers as officers type them."""

from __future__ import annotations

from datetime import date
from random import Random

from armsbridge.synth.names import name_book

_LAT = "abcdefghijklmnoprstuvz"
_CYR = "абвгдежзиклмнопрстуфцчш"
_DIGIT_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B"}
_LETTER_DIGIT = {v: k for k, v in _DIGIT_LETTER.items()}


def typo(text: str, rng: Random) -> str:
    """Return `text` with one keying error: a letter dropped, doubled, swapped or replaced."""
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.random()
    if op < 0.3:
        return text[:i] + text[i + 1 :]
    if op < 0.5:
        return text[:i] + text[i] + text[i:]
    if op < 0.75:
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    pool = _CYR if "\u0400" <= text[i] <= "\u04ff" else _LAT
    ch = rng.choice(pool)
    return text[:i] + (ch.upper() if text[i].isupper() else ch) + text[i + 1 :]


def dmy(day: date, *, trailing_dot: bool = False) -> str:
    """Write a date dd.mm.yyyy (with the trailing dot some Macedonian records carry)."""
    text = f"{day.day:02d}.{day.month:02d}.{day.year:04d}"
    return text + "." if trailing_dot else text


def birth_date(true: date, rng: Random, *, trailing_dot_rate: float = 0.0) -> str:
    """Write a birth date as recorded: mostly exact; sometimes year only, 01.01, swapped, absent."""
    roll = rng.random()
    dot = rng.random() < trailing_dot_rate
    if roll < 0.04:
        return ""
    if roll < 0.12:
        return f"{true.year:04d}"
    if roll < 0.17:
        return dmy(date(true.year, 1, 1), trailing_dot=dot)
    if roll < 0.20:
        if true.day <= 12 and true.day != true.month:
            return dmy(date(true.year, true.day, true.month), trailing_dot=dot)
        return dmy(true, trailing_dot=dot)
    if roll < 0.21:
        return dmy(_shift_year(true, rng.choice((-1, 1))), trailing_dot=dot)
    return dmy(true, trailing_dot=dot)


def _shift_year(day: date, delta: int) -> date:
    try:
        return day.replace(year=day.year + delta)
    except ValueError:
        return day.replace(year=day.year + delta, day=28)


def serial_from_pattern(pattern: str, rng: Random) -> str:
    """Make a serial number from a pattern (L letter, d digit, anything else literal)."""
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return "".join(
        rng.choice(letters) if c == "L" else str(rng.randrange(10)) if c == "d" else c
        for c in pattern
    )


def serial_as_read(serial: str, rng: Random, *, cyrillic: bool) -> tuple[str, str]:
    """Return (serial as recorded, note): exact, partially read, misread, look-alike or missing."""
    roll = rng.random()
    if roll < 0.05:
        return "", "obliterated"
    if roll < 0.15:
        chars = list(serial)
        positions = [i for i, c in enumerate(chars) if c.isalnum()]
        mark = "?" if rng.random() < 0.7 else "*"
        for i in rng.sample(positions, k=min(len(positions), rng.randint(1, 3))):
            chars[i] = mark
        return "".join(chars), "partial"
    if roll < 0.21:
        swapped = "".join(
            _DIGIT_LETTER.get(c, c) if c in _DIGIT_LETTER and rng.random() < 0.5 else c
            for c in serial
        )
        return swapped, "misread"
    if roll < 0.27:
        return serial.replace("-", " ") if "-" in serial else serial[:3] + " " + serial[
            3:
        ], "spacing"
    if cyrillic and roll < 0.37 and any(c.isalpha() for c in serial):
        return name_book().lookalike(serial, rng, rate=0.9), "lookalike"
    return serial, "exact"


def plate_xk(rng: Random, region: str) -> str:
    """Make a Kosovo plate NN-NNN-LL with its region number."""
    letters = "ABCDEFGHJKLMNPRSTUVZ"
    return f"{region}-{rng.randrange(100, 1000)}-{rng.choice(letters)}{rng.choice(letters)}"


def plate_mk(rng: Random, city: str) -> str:
    """Make a North Macedonian plate LL NNNN LL with its city code."""
    letters = "ABCDEFGHJKLMNPRSTUVZ"
    return f"{city} {rng.randrange(1000, 10000)} {rng.choice(letters)}{rng.choice(letters)}"


def plate_as_read(plate: str, rng: Random, *, cyrillic_keyboard: bool) -> str:
    """Return a plate as typed: separators vary, O for 0, Cyrillic look-alikes, sometimes blank."""
    roll = rng.random()
    if roll < 0.03:
        return ""
    parts = plate.replace("-", " ").split(" ")
    sep = rng.choice(["-", " ", "", "-", " "])
    text = sep.join(parts)
    if rng.random() < 0.04:
        text = text.replace("0", "O", 1)
    if cyrillic_keyboard and rng.random() < 0.35:
        text = name_book().lookalike(text, rng, rate=0.8)
    return text


def vin(rng: Random, make: str) -> str:
    """Make a 17-character vehicle identification number (no I, O or Q)."""
    wmi = {
        "Volkswagen": "WVW",
        "Audi": "WAU",
        "Mercedes-Benz": "WDB",
        "BMW": "WBA",
        "Opel": "W0L",
        "Škoda": "TMB",
        "Renault": "VF1",
        "Peugeot": "VF3",
        "Ford": "WF0",
        "Toyota": "JTD",
        "Fiat": "ZFA",
    }.get(make, "WVW")
    chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    return wmi + "".join(rng.choice(chars) for _ in range(14))


def vin_as_read(value: str, rng: Random) -> str:
    """Return a VIN as recorded: often absent, sometimes with a misread character."""
    roll = rng.random()
    if roll < 0.4:
        return ""
    if roll < 0.45:
        i = rng.randrange(3, 17)
        return (
            value[:i]
            + _LETTER_DIGIT.get(value[i], _DIGIT_LETTER.get(value[i], "X"))
            + value[i + 1 :]
        )
    return value


def phone_national(rng: Random, country: str) -> str:
    """Make a mobile number's national significant digits (XK 4x xxx xxx, MK 7x xxx xxx)."""
    prefix = rng.choice(
        ("43", "44", "45", "46", "48", "49")
        if country == "XK"
        else ("70", "71", "72", "75", "76", "77", "78")
    )
    return prefix + f"{rng.randrange(0, 1_000_000):06d}"


def phone_as_written(national: str, country: str, home: str, rng: Random) -> str:
    """Write a number as an officer of `home` does: local form at home, +CC or 00CC abroad."""
    cc = "383" if country == "XK" else "389"
    a, b, c = national[:2], national[2:5], national[5:]
    if country == home:
        return rng.choice(
            [f"0{a} {b} {c}", f"0{a}/{b}-{c}", f"0{a}{b}{c}", f"+{cc} {a} {b} {c}", f"0{a} {b}{c}"]
        )
    return rng.choice(
        [f"+{cc} {a} {b} {c}", f"+{cc}{a}{b}{c}", f"00{cc} {a} {b} {c}", f"+{cc}-{a}-{b}-{c}"]
    )
