"""A subject profile's content: one person, or one organisation and its members.

Gathered from the records a user may read (restrict() through records.related): identity and
the names the subject is recorded under, the same person in other records (confirmed matches,
received records included), cases with the data-subject role, associates (people linked
directly or through a shared case), weapons, vehicles, phones, online accounts, and a timeline
of the events of the subject's cases. Every row names its record (analysis.evidence).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from armsbridge.analysis.evidence import SHOWN, Evidence, chunks, ref
from armsbridge.auth.permissions import restrict
from armsbridge.auth.principal import Principal
from armsbridge.records import reading
from armsbridge.records.models import Event, Link
from armsbridge.records.related import linked, visible

SUBJECT_TYPES = ("person", "organisation")
HELD = ("firearm", "vehicle", "phone", "online_account")
MAX_TIMELINE = 200
ACTION = "record.read"


def _members(session: Session, user: Principal, organisation_id: int) -> list[Any]:
    found = linked(session, user=user, record_type="organisation", record_id=organisation_id)
    return [rec for link, rec in found.get("person", []) if link.kind == "member_of"]


def _case_people(session: Session, user: Principal, case_ids: list[int]) -> list[Link]:
    out: list[Link] = []
    for chunk in chunks(case_ids):
        stmt = restrict(select(Link), user, ACTION).where(
            or_(
                and_(
                    Link.kind == "involved_in",
                    Link.from_type == "person",
                    Link.to_type == "case",
                    Link.to_id.in_(chunk),
                )
            )
        )
        out.extend(session.scalars(stmt))
    return out


def _events(session: Session, user: Principal, case_ids: list[int]) -> list[Event]:
    out: list[Event] = []
    for chunk in chunks(case_ids):
        stmt = restrict(select(Event), user, ACTION).where(Event.case_id.in_(chunk))
        out.extend(session.scalars(stmt))
    return sorted(out, key=lambda e: (e.occurred_on or "", e.id))[-MAX_TIMELINE:]


def generate(
    session: Session, *, user: Principal, record_type: str, record_id: int, why: str
) -> tuple[dict[str, Any], Evidence]:
    """Return the subject profile's content and the evidence; log every person it names."""
    subject = reading.read_record(
        session, user=user, record_type=record_type, record_id=record_id, why=why
    )
    evidence = Evidence()
    evidence.add(record_type, [subject])
    people = [subject] if record_type == "person" else _members(session, user, record_id)
    evidence.add("person", people)
    own = {p.id for p in people}
    held: dict[str, dict[int, dict[str, Any]]] = {t: {} for t in HELD}
    cases: dict[int, dict[str, Any]] = {}
    associates: dict[int, dict[str, Any]] = {}
    same: list[dict[str, Any]] = []
    for person in people:
        for other_type, pairs in linked(
            session, user=user, record_type="person", record_id=person.id
        ).items():
            for link, rec in pairs:
                r = ref(other_type, rec)
                evidence.add(other_type, [rec])
                if other_type == "case":
                    row = cases.setdefault(rec.id, {"ref": r, "roles": set(), "kind": rec.kind})
                    if link.role:
                        row["roles"].add(link.role)
                elif other_type in held:
                    held[other_type].setdefault(
                        rec.id, {"ref": r, "links": set(), "kind": getattr(rec, "kind", None)}
                    )["links"].add(link.kind)
                elif other_type == "person" and rec.id not in own:
                    if link.kind == "same_as":
                        same.append({"ref": r, "jurisdiction": rec.jurisdiction})
                    else:
                        row = associates.setdefault(rec.id, {"ref": r, "why": set()})
                        row["why"].add(link.kind)
    shared: dict[int, set[str]] = defaultdict(set)
    for link in _case_people(session, user, list(cases)):
        if link.from_id not in own:
            shared[link.from_id].add(f"case:{link.to_id}")
    for pid, rec in visible(session, user=user, record_type="person", ids=list(shared)).items():
        row = associates.setdefault(pid, {"ref": ref("person", rec), "why": set()})
        row["why"].add("shared_case")
        row["cases"] = sorted(shared[pid])[:SHOWN]
        evidence.add("person", [rec])
    events = _events(session, user, list(cases))
    evidence.add("event", events)
    places = visible(
        session, user=user, record_type="place", ids=[e.place_id for e in events if e.place_id]
    )
    evidence.add("place", places.values())
    received = evidence.received_refs(session)
    named = [evidence.records["person"][int(a["ref"].split(":")[1])] for a in associates.values()]
    reading.log_consultation(
        session,
        user=user,
        record_type="person",
        records=[*people, *named],
        why=why,
        details={"product": "subject profile", "subject": f"{record_type}:{record_id}"},
    )

    def rows(items: dict[int, dict[str, Any]], sets: tuple[str, ...]) -> list[dict[str, Any]]:
        out = []
        for row in items.values():
            shown = {k: sorted(v) if k in sets else v for k, v in row.items()}
            shown["label"] = evidence.label(row["ref"])
            shown["provider"] = received.get(row["ref"])
            out.append(shown)
        return sorted(out, key=lambda r: r["label"])

    content = {
        "subject": {
            "ref": ref(record_type, subject),
            "label": evidence.label(ref(record_type, subject)),
            "type": record_type,
        },
        "identity": [_identity(p, evidence, received) for p in people],
        "same_as": [
            {**s, "label": evidence.label(s["ref"]), "provider": received.get(s["ref"])}
            for s in same
        ],
        "cases": rows(cases, ("roles",)),
        "associates": rows(associates, ("why",)),
        "held": {t: rows(held[t], ("links",)) for t in HELD},
        "timeline": [
            {
                "ref": ref("event", e),
                "day": e.occurred_on,
                "time": e.occurred_time,
                "kind": e.kind,
                "case": f"case:{e.case_id}" if e.case_id else None,
                "place": evidence.label(f"place:{e.place_id}") if e.place_id in places else None,
                "provider": received.get(ref("event", e)),
            }
            for e in events
        ],
    }
    return content, evidence


def _identity(person: Any, evidence: Evidence, received: dict[str, str]) -> dict[str, Any]:
    r = ref("person", person)
    return {
        "ref": r,
        "label": evidence.label(r),
        "father_name": person.father_name,
        "birth_date": person.birth_date,
        "birth_place": person.birth_place,
        "nationality": person.nationality,
        "variants": list(person.name_variants or []),
        "jurisdiction": person.jurisdiction,
        "provider": received.get(r),
    }
