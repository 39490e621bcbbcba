"""The real people, weapons, vehicles and phones of the synthetic world, as they really are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(slots=True)
class Person:
    """A real person: canonical names in their own language, home jurisdiction, birth facts."""

    eid: str
    lang: str  # sq, mk, sr
    sex: str  # M, F
    given: str
    family: str  # already in the form for the person's sex
    father: str
    birth: date
    home: str  # XK, MK
    birth_place: dict[str, Any]
    nationality: str
    personal_number: str
    nickname: str = ""
    phones: list[Phone] = field(default_factory=list)
    accounts: list[OnlineAccount] = field(default_factory=list)


@dataclass(slots=True)
class Firearm:
    """A real firearm: catalogue entry, true serial, year and markings."""

    eid: str
    spec: dict[str, Any]
    serial: str
    year: int
    markings: str


@dataclass(slots=True)
class Vehicle:
    """A real vehicle: plate in its registration country's format, VIN, make, model, colour."""

    eid: str
    plate: str
    country: str
    vin: str
    make: str
    model: str
    colour: str
    owner: Person | None = None


@dataclass(slots=True)
class Phone:
    """A real mobile number: country and national significant digits."""

    eid: str
    country: str
    national: str


@dataclass(slots=True)
class Group:
    """A real criminal group with members on one or both sides of the border."""

    eid: str
    members: list[Person]
    founded: date


@dataclass(slots=True)
class Place:
    """Where an event happened: a crossing point or an address in a municipality."""

    code: str  # crossing code, or "" for an address
    municipality: dict[str, Any]
    lat: float
    lon: float
    street: str = ""


@dataclass(slots=True)
class OnlineAccount:
    """A real account on a social network, messenger or marketplace."""

    eid: str
    platform: str  # a code of the platforms enumeration
    handle: str
