"""Makes the real entities of the synthetic world: people, phones, vehicles, firearms, places."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import accumulate
from random import Random
from typing import Any

from armsbridge.names.places import gazetteer
from armsbridge.synth import noise
from armsbridge.synth.entities import Firearm, OnlineAccount, Person, Phone, Place, Vehicle
from armsbridge.synth.names import ascii_fold, load_data, name_book

START, END = date(2018, 1, 1), date(2025, 12, 20)
_STREETS = {
    "XK": (
        "Rr. Nëna Terezë",
        "Rr. Skënderbeu",
        "Rr. Adem Jashari",
        "Rr. Agim Ramadani",
        "Rr. Dëshmorët",
        "Rr. Ilir Konushevci",
        "Rr. Fehmi Agani",
        "Rr. Lidhja e Prizrenit",
        "fshati Koretin",
        "fshati Dubravë",
        "Rr. Bajram Curri",
        "Rr. Isa Boletini",
    ),
    "MK": (
        "ул. Илинденска",
        "ул. Македонија",
        "бул. Партизански одреди",
        "ул. Гоце Делчев",
        "ул. Даме Груев",
        "ул. Маршал Тито",
        "с. Танушевци",
        "с. Арачиново",
        "ул. Браќа Миладиновци",
        "ул. Скопска",
        "с. Слупчане",
        "ул. Ѓорче Петров",
    ),
}


_PLATFORMS = ("facebook", "instagram", "telegram", "tiktok", "marketplace", "darknet")
_PLATFORM_WEIGHTS = (30, 18, 30, 8, 12, 2)
# Compiled examples of handles of weapon sellers ("arms for sale", "pistols", "weapons sale").
_SHOP_HANDLES = (
    "arme_shitje_",
    "zoraki_shop",
    "pistoleta.ks",
    "oruzje_prodaja",
    "pistoli.mk",
    "armet_e_lira",
    "gunmarket_",
    "tetovo.arms",
)


def _cum(weights: list[float]) -> list[float]:
    return list(accumulate(weights))


class Maker:
    """Creates entities with stable, sequential ids; the same seed gives the same world."""

    def __init__(self) -> None:
        self.book = name_book()
        places = gazetteer()
        self.munis = {j: places[j.lower()] for j in ("XK", "MK")}
        self.muni_cum = {j: _cum([m["weight"] for m in ms]) for j, ms in self.munis.items()}
        self.crossings = places["crossings"]
        self.cross_cum = _cum([c["weight"] for c in self.crossings])
        arms = load_data("firearms.yaml")
        self.guns = arms["firearms"]
        self.trade = [g for g in self.guns if g["trade"]]
        self.gun_cum = _cum([g["weight"] for g in self.guns])
        self.serials_issued: set[tuple[str, str, str]] = set()
        self.trade_cum = _cum([g["weight"] for g in self.trade])
        self.old = [g for g in self.guns if not g["trade"]]
        self.explosives = arms["explosives"]
        self.expl_cum = _cum([e["weight"] for e in self.explosives])
        self.vehicles = arms["vehicles"]
        self.veh_cum = _cum([v["weight"] for v in self.vehicles])
        self.colours = arms["colours"]
        self.counter = {"P": 0, "F": 0, "V": 0, "T": 0, "G": 0, "U": 0}

    def _id(self, kind: str) -> str:
        self.counter[kind] += 1
        return f"{kind}{self.counter[kind]:08d}"

    def municipality(self, rng: Random, j: str) -> dict[str, Any]:
        """Draw a municipality of jurisdiction `j`, weighted by population."""
        return rng.choices(self.munis[j], cum_weights=self.muni_cum[j])[0]

    def person(
        self,
        rng: Random,
        home: str,
        *,
        offender: bool = True,
        sex: str | None = None,
        lang: str | None = None,
        family: str | None = None,
        father: str | None = None,
        born: tuple[int, int] | None = None,
        sibling: str | None = None,
    ) -> Person:
        """Create a person of `home`; relatives share family (and father) names when given.

        `sibling` is a brother's or sister's given name, which this person does not repeat.
        """
        muni = self.municipality(rng, home)
        if lang is None:
            if home == "XK":
                lang = "sr" if rng.random() < (0.7 if muni.get("serb") else 0.03) else "sq"
            else:
                lang = "sq" if rng.random() < muni.get("albanian", 0.25) else "mk"
        if sex is None:
            sex = "M" if rng.random() < (0.93 if offender else 0.5) else "F"
        lo, hi = born or ((1962, 2004) if offender else (1945, 2006))
        year = int(rng.triangular(lo, hi, min(hi, max(lo, 1990))))
        birth = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        given = self.book.pick(rng, lang, "male" if sex == "M" else "female")
        while given == sibling:
            given = self.book.pick(rng, lang, "male" if sex == "M" else "female")
        family = family or self.book.pick(rng, lang, "family")
        if sex == "F":
            family = self.book.feminine(family, lang)
        father = father or self.book.pick(rng, lang, "male")
        nationality = home if not (lang == "sr" and rng.random() < 0.5) else "RS"
        if home == "XK":
            personal = "1" + "".join(str(rng.randrange(10)) for _ in range(9))
        else:
            personal = _embg(birth, sex, rng)
        nick = self.book.nickname(rng) if offender and rng.random() < 0.1 else ""
        return Person(
            self._id("P"),
            lang,
            sex,
            given,
            family,
            father,
            birth,
            home,
            muni,
            nationality,
            personal,
            nick,
        )

    @staticmethod
    def masculine(family: str) -> str:
        """Undo the feminine ending of a Macedonian family name (for relatives)."""
        if family.endswith("ска"):
            return family[:-1] + "и"
        if family.endswith(("ова", "ева", "ина")):
            return family[:-1]
        return family

    def phone(self, rng: Random, country: str) -> Phone:
        """Create a mobile number of `country`."""
        return Phone(self._id("T"), country, noise.phone_national(rng, country))

    def account(self, rng: Random, p: Person, platform: str | None = None) -> OnlineAccount:
        """Create an online account of `p`: a handle from the name, a nickname or a shop name."""
        platform = platform or rng.choices(_PLATFORMS, _PLATFORM_WEIGHTS)[0]
        given = ascii_fold(self.book.latin(p.given, p.lang, "ascii")).lower()
        family = ascii_fold(self.book.latin(p.family, p.lang, "ascii")).lower()
        roll = rng.random()
        if roll < 0.4:
            handle = f"{given}.{family}{rng.randrange(100)}"
        elif roll < 0.6:
            handle = f"{(p.nickname or given).lower()}_{p.birth.year % 100:02d}"
        elif roll < 0.75:
            handle = f"{given}{family[:1]}{rng.randrange(1000)}"
        else:
            handle = f"{rng.choice(_SHOP_HANDLES)}{rng.randrange(10, 1000)}"
        return OnlineAccount(self._id("U"), platform, handle)

    def vehicle(self, rng: Random, owner: Person) -> Vehicle:
        """Create a vehicle registered in its owner's jurisdiction."""
        spec = rng.choices(self.vehicles, cum_weights=self.veh_cum)[0]
        muni = owner.birth_place if rng.random() < 0.8 else self.municipality(rng, owner.home)
        if owner.home == "XK":
            plate = noise.plate_xk(rng, muni["plate"])
        else:
            plate = noise.plate_mk(rng, muni["plate"])
        return Vehicle(
            self._id("V"),
            plate,
            owner.home,
            noise.vin(rng, spec["make"]),
            spec["make"],
            rng.choice(spec["models"]),
            rng.choice(self.colours),
            owner,
        )

    def firearm(self, rng: Random, *, pool: str = "any") -> Firearm:
        """Create a firearm from the catalogue: "trade" (trafficked), "old" or "any"."""
        if pool == "trade":
            spec = rng.choices(self.trade, cum_weights=self.trade_cum)[0]
        elif pool == "old":
            spec = rng.choice(self.old)
        else:
            spec = rng.choices(self.guns, cum_weights=self.gun_cum)[0]
        lo, hi = spec["years"]
        year = rng.randint(lo, hi)
        # A maker numbers each model's guns once: a serial repeats only across models.
        for _attempt in range(20):
            serial = noise.serial_from_pattern(spec["serial"], rng)
            if "dd" in spec["serial"] and spec["country"] == "TR" and rng.random() < 0.5:
                serial = serial[:2] + f"{year % 100:02d}" + serial[4:]
            key = (spec["make"], str(spec["model"]), serial)
            if key not in self.serials_issued:
                break
        self.serials_issued.add(key)
        marks = spec.get("markings") or []
        markings = ", ".join(marks[: rng.randint(0, len(marks))])
        return Firearm(self._id("F"), spec, serial, year, markings)

    def explosive(self, rng: Random) -> dict[str, Any]:
        """Draw an explosive kind from the catalogue."""
        return rng.choices(self.explosives, cum_weights=self.expl_cum)[0]

    def group_id(self) -> str:
        """Return a new criminal group id."""
        return self._id("G")

    def crossing(self, rng: Random) -> Place:
        """Draw a border crossing point, weighted by traffic."""
        c = rng.choices(self.crossings, cum_weights=self.cross_cum)[0]
        return Place(c["code"], c, c["lat"], c["lon"])

    def address(self, rng: Random, j: str, muni: dict[str, Any] | None = None) -> Place:
        """Draw an address in a municipality of `j`."""
        muni = muni or self.municipality(rng, j)
        street = f"{rng.choice(_STREETS[j])} {rng.randint(1, 120)}"
        return Place(
            "", muni, muni["lat"] + rng.gauss(0, 0.015), muni["lon"] + rng.gauss(0, 0.015), street
        )

    @staticmethod
    def day(rng: Random, lo: date = START, hi: date = END) -> date:
        """Draw a day between lo and hi."""
        span = max((hi - lo).days, 1)
        return lo + timedelta(days=rng.randrange(span))


def _embg(birth: date, sex: str, rng: Random) -> str:
    """A North Macedonian personal number (ЕМБГ, 13 digits) with a valid check digit."""
    serial = rng.randrange(0, 500) + (500 if sex == "F" else 0)
    digits = f"{birth.day:02d}{birth.month:02d}{birth.year % 1000:03d}{rng.randint(41, 49)}"
    digits += f"{serial:03d}"
    a = [int(c) for c in digits]
    total = sum(w * (a[i] + a[i + 6]) for i, w in enumerate((7, 6, 5, 4, 3, 2)))
    check = 11 - total % 11
    return digits + str(0 if check > 9 else check)
