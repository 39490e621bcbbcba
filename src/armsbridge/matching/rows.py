"""Store records as the raw rows the matching engine reads (one loader per entity type)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from armsbridge.matching.prepare import item_key
from armsbridge.records.models import Firearm, IdentityDocument, Link, Person, Phone, Vehicle

T = TypeVar("T")


def person_rows(session: Session) -> list[dict[str, object]]:
    """Return every person as a raw matching row: names, birth, first document, all phones, the
    guns and cars linked to them, and the other persons of their cases."""
    docs: dict[int, str] = {}
    for pid, number in session.execute(
        select(IdentityDocument.person_id, IdentityDocument.number).order_by(IdentityDocument.id)
    ):
        docs.setdefault(pid, number)
    phones: dict[int, list[str]] = {}
    phone_numbers = {
        pid: e164 or raw
        for pid, e164, raw in session.execute(select(Phone.id, Phone.e164, Phone.number_raw))
    }
    for ft, fid, _tt, tid in session.execute(
        select(Link.from_type, Link.from_id, Link.to_type, Link.to_id).where(
            or_(
                (Link.from_type == "person") & (Link.to_type == "phone"),
                (Link.from_type == "phone") & (Link.to_type == "person"),
            )
        )
    ):
        pid, phid = (fid, tid) if ft == "person" else (tid, fid)
        if phid in phone_numbers:
            phones.setdefault(pid, []).append(phone_numbers[phid])
    items = _held_item_keys(session)
    associates = _associates(session)
    rows: list[dict[str, object]] = []
    for p in session.execute(select(Person)).scalars():
        rows.append(
            {
                "unique_id": p.id,
                "given_name": p.given_name,
                "family_name": p.family_name,
                "father_name": p.father_name,
                "birth_date": p.birth_date,
                "sex": p.sex,
                "birth_place": p.birth_place,
                "id_number": docs.get(p.id),
                "phone": ";".join(phones.get(p.id, [])) or None,
                "items": ";".join(items.get(p.id, [])) or None,
                "associates": ";".join(map(str, associates.get(p.id, []))) or None,
            }
        )
    return rows


def _person_links(session: Session, record_type: str) -> list[tuple[int, int]]:
    """Return (record id, person id) for every link but `same_as` between the two types."""
    out = []
    for ft, fid, _tt, tid in session.execute(
        select(Link.from_type, Link.from_id, Link.to_type, Link.to_id).where(
            Link.kind != "same_as",
            or_(
                (Link.from_type == record_type) & (Link.to_type == "person"),
                (Link.from_type == "person") & (Link.to_type == record_type),
            ),
        )
    ):
        out.append((fid, tid) if ft == record_type else (tid, fid))
    return out


def _associates(session: Session) -> dict[int, list[int]]:
    """Return person id -> ids of the other persons linked to a case they are linked to."""
    return associates_by_case(_person_links(session, "case"))


def associates_by_case(memberships: Iterable[tuple[Hashable, T]]) -> dict[T, list[T]]:
    """Return person -> the other persons of every case they are in, from (case, person) pairs."""
    members: dict[Hashable, list[T]] = {}
    for case, person in memberships:
        members.setdefault(case, []).append(person)
    out: dict[T, list[T]] = {}
    for people in members.values():
        for person in people:
            known = out.setdefault(person, [])
            known.extend(q for q in people if q != person and q not in known)
    return out


def _held_item_keys(session: Session) -> dict[int, list[str]]:
    """Return person id -> keys of the firearms and vehicles linked to them (prepare.item_key)."""
    keys: dict[tuple[str, int], list[str]] = {}
    for f in session.execute(select(Firearm.id, Firearm.serial_raw)):
        keys[("firearm", f.id)] = [k for k in (item_key("serial", f.serial_raw),) if k]
    for v in session.execute(select(Vehicle.id, Vehicle.plate_raw, Vehicle.vin)):
        found = (item_key("plate", v.plate_raw), item_key("vin", v.vin))
        keys[("vehicle", v.id)] = [k for k in found if k]
    out: dict[int, list[str]] = {}
    for record_type in ("firearm", "vehicle"):
        for item, person in _person_links(session, record_type):
            held = out.setdefault(person, [])
            held.extend(k for k in keys.get((record_type, item), []) if k not in held)
    return out


def person_entity_roots(session: Session) -> dict[int, int]:
    """Return person id -> the smallest id of its entity, for persons joined by accepted matches."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in session.execute(
        select(Link.from_id, Link.to_id).where(
            Link.kind == "same_as", Link.from_type == "person", Link.to_type == "person"
        )
    ):
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    return {x: root(x) for x in list(parent)}


def holders(session: Session, record_type: str) -> dict[int, str]:
    """Return record id -> the entity of the person it is linked to (lowest entity id wins).

    For firearms and vehicles: the person who held, owned or drove it, as one entity across
    the border once that person's records are matched.
    """
    roots = person_entity_roots(session)
    found: dict[int, int] = {}
    for item, person in _person_links(session, record_type):
        entity = roots.get(person, person)
        found[item] = min(found.get(item, entity), entity)
    return {item: f"person:{entity}" for item, entity in found.items()}


def firearm_rows(session: Session) -> list[dict[str, object]]:
    """Return every firearm as a raw matching row, with the entity of the person it is linked to."""
    held = holders(session, "firearm")
    return [
        {
            "unique_id": f.id,
            "serial": f.serial_raw,
            "make": f.make,
            "model": f.model,
            "calibre": f.calibre_normalised or f.calibre,
            "holder": held.get(f.id),
        }
        for f in session.execute(select(Firearm)).scalars()
    ]


def vehicle_rows(session: Session) -> list[dict[str, object]]:
    """Return every vehicle as a raw matching row: plate, VIN, make, model, colour, holder."""
    held = holders(session, "vehicle")
    return [
        {
            "unique_id": v.id,
            "plate": v.plate_raw or v.plate_normalised,
            "vin": v.vin,
            "make": v.make,
            "model": v.model,
            "colour": v.colour,
            "holder": held.get(v.id),
        }
        for v in session.execute(select(Vehicle)).scalars()
    ]


STORE_ROWS: dict[str, Callable[[Session], list[dict[str, object]]]] = {
    "person": person_rows,
    "firearm": firearm_rows,
    "vehicle": vehicle_rows,
}
