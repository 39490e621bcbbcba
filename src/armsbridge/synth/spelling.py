"""How an officer on each side writes a person down: script, spelling, order and omissions."""

from __future__ import annotations

from random import Random
from typing import TYPE_CHECKING, Any

from armsbridge.synth import noise
from armsbridge.synth.entities import Firearm, Person
from armsbridge.synth.names import load_data

if TYPE_CHECKING:
    from armsbridge.synth.export import JurisdictionExport


def person_fields(ex: JurisdictionExport, p: Person, rng: Random) -> list[str]:
    """Return a person's record as the officer of `ex` writes it, in the order of the file."""
    book, j = ex.book, ex.j
    cyr = j == "MK" and rng.random() < (0.92 if p.lang != "sq" else 0.82)
    if j == "XK":
        style = {
            "sq": "sq",
            "sr": rng.choices(("sr", "ascii", "sq"), (55, 30, 15))[0],
            "mk": rng.choices(("sq", "mk", "sr"), (55, 30, 15))[0],
        }[p.lang]
    else:
        style = {"sq": "sq", "sr": "sr", "mk": "mk"}[p.lang]
    family = p.family
    if p.sex == "F" and p.lang == "mk" and j == "XK" and rng.random() < 0.3:
        family = family[:-1] + "и" if family.endswith("ка") else family.rstrip("а")

    def write(name: str) -> str:
        if cyr:
            text = book.cyrillic(name, p.lang, rng)
        else:
            text = book.latin(name, p.lang, style)
            if p.lang == "sq" and style == "sq":
                if "ë" in text and rng.random() < 0.3:
                    text = text.replace("ë", rng.choice(("e", "")))
                if "ç" in text and rng.random() < 0.15:
                    text = text.replace("ç", "c").replace("Ç", "C")
            if p.lang == "sr" and style == "ascii" and rng.random() < 0.3:
                text = text.replace("Dj", "D").replace("dj", "d")
        return noise.typo(text, rng) if rng.random() < 0.04 else text

    given, fam = write(p.given), write(family)
    father = write(p.father) if rng.random() < (0.75 if j == "XK" else 0.65) else ""
    if rng.random() < 0.02:
        given, fam = fam, given
    if rng.random() < (0.08 if j == "XK" else 0.15):
        given, fam, father = given.upper(), fam.upper(), father.upper()
    place = ""
    if rng.random() < 0.8:
        key = "mk" if cyr else ("sr" if p.lang == "sr" else "sq")
        place = p.birth_place[key]
    nationality = ex.term("countries", p.nationality) if rng.random() < 0.9 else ""
    personal = p.personal_number if p.home == j and rng.random() < 0.7 else ""
    nickname = p.nickname if p.nickname and rng.random() < 0.5 else ""
    birth = noise.birth_date(p.birth, rng, trailing_dot_rate=0.2 if j == "MK" else 0.0)
    return [
        given,
        fam,
        father,
        ex.term("sexes", p.sex) if rng.random() < 0.97 else "",
        birth,
        place,
        nationality,
        personal,
        nickname,
        ex.term("scripts", "Cyrl" if cyr else "Latn"),
    ]


def firearm_fields(ex: JurisdictionExport, gun: Firearm, status: str, rng: Random) -> list[Any]:
    """Return a firearm's record as the officer of `ex` writes it, from its kind to conversion."""
    spec = gun.spec
    cyr = ex.j == "MK"
    serial, note = noise.serial_as_read(gun.serial, rng, cyrillic=cyr)
    markings = gun.markings
    if note == "obliterated":
        markings = ("numri serik i gërvishtur" if ex.j == "XK" else "изгребан сериски број") + (
            f"; {markings}" if markings else ""
        )
    make = spec["make"]
    model = str(spec["model"])
    if cyr and rng.random() < 0.5:
        make = ex.book.cyrillic(make, "sr", rng)
    if model.startswith("M") and rng.random() < (0.4 if cyr else 0.1):
        model = "М" + model[1:] if cyr else model.replace("M", "M-", 1)
    calibre = spec.get("live_calibre") if spec.get("converted") and rng.random() < 0.4 else None
    calibre = (
        rng.choice(load_data("firearms.yaml")["calibre_spellings"][calibre or spec["calibre"]])
        if rng.random() < 0.92
        else ""
    )
    converted = spec.get("converted")
    noted = converted and rng.random() < 0.88
    yes, no = ("Po", "Jo") if ex.j == "XK" else ("да", "не")
    return [
        ex.term("firearm_kinds", spec["kind"]),
        make,
        model,
        ex.term("firearm_actions", spec["action"]) if rng.random() < 0.8 else "",
        calibre,
        serial,
        markings,
        ex.term("countries", spec["country"]) if rng.random() < 0.6 else "",
        gun.year if rng.random() < 0.4 else "",
        ex.term("firearm_statuses", status),
        yes if noted else no,
        ex.term("conversion_kinds", str(converted)) if noted else "",
    ]
