"""A small hand-made world for profile tests: seizures at one crossing, their people, a vehicle.

Written by hand (not by the generator), so every figure a profile shows can be counted here:
- at Hani i Elezit - Blace, three seizures in March-April 2025 (one H1), in cases C1 and C2;
  firearms: a converted Zoraki 914 and a Zastava M70 (event 1), a converted Ekol (event 3);
- one seizure elsewhere, one shooting at the crossing (not a seizure), one seizure in 2023;
- Arben (suspect in C1, a phone, owner of the Golf that was part of event 1), Besnik (the Ekol
  was seized from him), Drita (witness in C1), Ilir (no link), and Arben's record received from MK
  (H1), confirmed the same person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from armsbridge.analysis import products
from armsbridge.analysis.problem import Problem
from armsbridge.auth.models import User
from armsbridge.auth.service import principal_of
from armsbridge.db.session import session_scope
from armsbridge.records import service as records
from foreign_records import add_foreign
from principals import as_actor

CROSSING = "HANI-ELEZIT-BLACE"


@dataclass
class World:
    """The ids of the records, by name."""

    ids: dict[str, int] = field(default_factory=dict)


def build(session) -> World:  # noqa: ANN001
    """Create the world's records as XK (and one MK record of Arben) and return their ids."""
    me = as_actor("profiles-test")
    w = World()

    def make(key: str, record_type: str, **data: object) -> int:
        data.setdefault("jurisdiction", "XK")
        keys = {k: data.pop(k) for k in ("case_id", "place_id", "event_id") if k in data}
        record = records.create_record(session, record_type=record_type, user=me, data=data)
        for name, value in keys.items():  # set as an import sets them ({record: alias})
            setattr(record, name, value)
        w.ids[key] = record.id
        return record.id

    def link(kind: str, a: str, b: str, **kw: object) -> None:
        ta, tb = a.split(":")[0], b.split(":")[0]
        records.link_records(
            session,
            kind=kind,
            from_type=ta,
            from_id=w.ids[a.split(":")[1]],
            to_type=tb,
            to_id=w.ids[b.split(":")[1]],
            user=me,
            **kw,
        )

    make(
        "crossing",
        "place",
        name="Hani i Elezit",
        kind="border_crossing",
        crossing_code=CROSSING,
        latitude=42.15,
        longitude=21.29,
    )
    make("town", "place", name="Ferizaj", kind="address", latitude=42.37, longitude=21.15)
    make("C1", "case", reference="XK-PP-1", kind="trafficking")
    make("C2", "case", reference="XK-PP-2", kind="online_sale")
    make(
        "e1",
        "event",
        kind="seizure",
        occurred_on="2025-03-04",
        occurred_time="21:30",
        case_id=w.ids["C1"],
        place_id=w.ids["crossing"],
    )
    make(
        "e2",
        "event",
        kind="seizure",
        occurred_on="2025-03-18",
        occurred_time="22:10",
        case_id=w.ids["C1"],
        place_id=w.ids["crossing"],
        handling_code="H1",
    )
    make(
        "e3",
        "event",
        kind="seizure",
        occurred_on="2025-04-02",
        case_id=w.ids["C2"],
        place_id=w.ids["crossing"],
    )
    make("e-town", "event", kind="seizure", occurred_on="2025-03-10", place_id=w.ids["town"])
    make("e-shot", "event", kind="shooting", occurred_on="2025-03-11", place_id=w.ids["crossing"])
    make("e-old", "event", kind="seizure", occurred_on="2023-05-01", place_id=w.ids["crossing"])
    make(
        "f1",
        "firearm",
        make="Zoraki",
        model="914",
        kind="pistol",
        converted=True,
        conversion_kind="blank_to_live",
        event_id=w.ids["e1"],
        case_id=w.ids["C1"],
    )
    make(
        "f2",
        "firearm",
        make="Zastava",
        model="M70",
        kind="rifle",
        event_id=w.ids["e1"],
        case_id=w.ids["C1"],
    )
    make(
        "f3",
        "firearm",
        make="Ekol",
        model="Firat",
        kind="pistol",
        converted=True,
        conversion_kind="blank_to_live",
        event_id=w.ids["e3"],
        case_id=w.ids["C2"],
    )
    make(
        "arben",
        "person",
        given_name="Arben",
        family_name="Hoxha",
        birth_date="1990-02-03",
        name_variants=["Арбен Хоџа"],
    )
    make("besnik", "person", given_name="Besnik", family_name="Gashi")
    make("drita", "person", given_name="Drita", family_name="Berisha")
    make("ilir", "person", given_name="Ilir", family_name="Krasniqi")
    w.ids["arben-mk"] = add_foreign(
        session,
        record_type="person",
        data={"given_name": "Арбен", "family_name": "Хоџа"},
        code="H1",
    )
    make("phone", "phone", number_raw="+38344111222")
    make("golf", "vehicle", plate_raw="01-123-AB", make="VW", model="Golf")
    link("involved_in", "person:arben", "case:C1", role="suspect")
    link("involved_in", "person:drita", "case:C1", role="witness")
    link("seized_from", "firearm:f3", "person:besnik")
    link("user_of", "person:arben", "phone:phone")
    link("owner_of", "person:arben", "vehicle:golf")
    link("part_of", "vehicle:golf", "event:e1")
    link("same_as", "person:arben", "person:arben-mk")
    session.flush()
    return w


def seed_profiles(factory) -> tuple[int, int]:  # noqa: ANN001
    """Store the world and, as the node's "analyst", a problem and a subject profile (the
    problem one with the analyst's sections and grades); return their ids."""
    why = "XK-PP-1: converted pistols at Blace"
    with session_scope(factory) as s:
        w = build(s)
        user = principal_of(s.scalar(select(User).where(User.username == "analyst")), via="session")
        problem = products.create_problem(
            s,
            user=user,
            problem=Problem(start="2025-03-01", end="2025-04-30", crossing=CROSSING),
            title="Blace spring",
            why=why,
        )
        products.update_product(
            s,
            user=user,
            product_id=problem.id,
            sections={"summary": "Two converted pistols in five weeks."},
            source_grade="B",
            information_grade="2",
            handling_code="H1",
            handling_restriction=None,
        )
        subject = products.create_subject(
            s, user=user, record_type="person", record_id=w.ids["arben"], title="", why=why
        )
        return problem.id, subject.id
