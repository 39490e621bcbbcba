"""A problem profile's content, generated from the records a user may read.

The problem is a filter: a period, event kinds, optionally one crossing point or municipality,
a firearm kind, converted weapons only. What the records say about it is gathered in one pass
and kept as data: the trend by month (with the rolling Poisson verdicts of analysis.trends),
places, hours and weekdays, methods (conversions, case kinds, vehicles used), people, weapons
and vehicles. Every figure names the records it counts (analysis.evidence), and only records
that pass restrict() are read, so two analysts may get different profiles of one problem.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from armsbridge.analysis import trends
from armsbridge.analysis.evidence import SHOWN, Evidence, chunks, ref
from armsbridge.auth.permissions import restrict
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.records import reading
from armsbridge.records.models import Event, Firearm, Link, Place
from armsbridge.records.related import visible
from armsbridge.vocab.service import enum_values

MAX_EVENTS = 20_000  # events one profile reads; more are left out and the profile says so
TOP = 10
TOP_PEOPLE = 15
ACTION = "record.read"


@dataclass(frozen=True)
class Problem:
    """The problem a profile is about: a period and what narrows it."""

    start: str
    end: str
    event_kinds: tuple[str, ...] = ("seizure",)
    crossing: str | None = None  # a place's crossing code
    municipality: str | None = None
    firearm_kind: str | None = None
    converted_only: bool = False

    def check(self) -> Problem:
        """Return the problem when every value is valid; ValidationFailed naming the field."""
        for name in ("start", "end"):
            value = getattr(self, name)
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                _refuse(name, str(value), N_("a date, YYYY-MM-DD"))
        if self.start > self.end:
            _refuse("end", self.end, N_("a date on or after the start date"))
        kinds = enum_values("event_kinds")
        for kind in self.event_kinds or ("",):
            if kind not in kinds:
                _refuse("event_kinds", kind, N_("an event kind"))
        if self.firearm_kind and self.firearm_kind not in enum_values("firearm_kinds"):
            _refuse("firearm_kind", self.firearm_kind, N_("a firearm kind"))
        return self

    def as_params(self) -> dict[str, Any]:
        """Return the problem as the product's stored parameters."""
        return {**asdict(self), "event_kinds": list(self.event_kinds)}


def _refuse(name: str, value: str, expected: str) -> None:
    raise ValidationFailed(
        N_("%(field)s: %(value)s is not valid."),
        [{"field": name, "value": value[:60], "expected": expected}],
        values={"field": name, "value": value[:60]},
    )


def _events(session: Session, user: Principal, problem: Problem) -> tuple[list[Event], bool]:
    stmt = restrict(select(Event), user, ACTION).where(
        Event.kind.in_(problem.event_kinds),
        Event.occurred_on >= problem.start,
        Event.occurred_on <= problem.end + "~",  # partial dates sort before the day's end
    )
    if problem.crossing or problem.municipality:
        places = select(Place.id)
        if problem.crossing:
            places = places.where(Place.crossing_code == problem.crossing)
        if problem.municipality:
            places = places.where(Place.municipality == problem.municipality)
        stmt = stmt.where(Event.place_id.in_(restrict(places, user, ACTION, model=Place)))
    rows = list(session.scalars(stmt.order_by(Event.occurred_on, Event.id).limit(MAX_EVENTS + 1)))
    return rows[:MAX_EVENTS], len(rows) > MAX_EVENTS


def _firearms(session: Session, user: Principal, event_ids: list[int]) -> list[Firearm]:
    out: list[Firearm] = []
    for chunk in chunks(event_ids):
        stmt = restrict(select(Firearm), user, ACTION).where(Firearm.event_id.in_(chunk))
        out.extend(session.scalars(stmt))
    return out


def _links(
    session: Session,
    user: Principal,
    case_ids: list[int],
    firearm_ids: list[int],
    event_ids: list[int],
) -> list[Link]:
    """The links that name people in the cases, people seized from, vehicles in the events."""
    out: dict[int, Link] = {}
    groups = (
        (
            case_ids,
            lambda c: and_(
                Link.kind == "involved_in",
                Link.from_type == "person",
                Link.to_type == "case",
                Link.to_id.in_(c),
            ),
        ),
        (
            firearm_ids,
            lambda c: and_(
                Link.kind == "seized_from",
                Link.from_type == "firearm",
                Link.from_id.in_(c),
                Link.to_type == "person",
            ),
        ),
        (
            event_ids,
            lambda c: and_(
                Link.kind == "part_of",
                Link.from_type == "vehicle",
                Link.to_type == "event",
                Link.to_id.in_(c),
            ),
        ),
    )
    for ids, where in groups:
        for chunk in chunks(ids):
            stmt = restrict(select(Link), user, ACTION).where(or_(where(chunk)))
            out.update({link.id: link for link in session.scalars(stmt)})
    return list(out.values())


def _tally(values: dict[str, list[str]], top: int = TOP) -> list[dict[str, Any]]:
    """Return [{value, count, evidence}] of the most frequent values, evidence capped."""
    ranked = sorted(values.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top]
    return [{"value": v, "count": len(refs), "evidence": refs[:SHOWN]} for v, refs in ranked]


def _trend(problem: Problem, events: list[Event]) -> list[dict[str, Any]]:
    days = [e.occurred_on for e in events if e.occurred_on and len(e.occurred_on) >= 7]
    # From the first month with an event: years of empty months before it say nothing.
    first = max(problem.start[:7], min(days)[:7]) if days else problem.start[:7]
    start = date.fromisoformat(first + "-01")
    end = date.fromisoformat(problem.end[:7] + "-01")
    series = trends.monthly_counts(days, start, end)
    return [
        {
            "month": m.month,
            "count": m.count,
            "baseline": m.baseline,
            "p_value": m.p_value,
            "change": m.change,
        }
        for m in trends.detect_changes(series)
    ]


def generate(
    session: Session, *, user: Principal, problem: Problem, why: str
) -> tuple[dict[str, Any], Evidence]:
    """Return the problem profile's content and the evidence it rests on; log the persons."""
    problem.check()
    events, truncated = _events(session, user, problem)
    firearms = [
        f
        for f in _firearms(session, user, [e.id for e in events])
        if (not problem.firearm_kind or f.kind == problem.firearm_kind)
        and (not problem.converted_only or f.converted or f.conversion_suspected)
    ]
    if problem.firearm_kind or problem.converted_only:  # the problem is about those weapons
        kept = {f.event_id for f in firearms}
        events = [e for e in events if e.id in kept]
    event_of = {e.id: e for e in events}
    places = visible(
        session, user=user, record_type="place", ids=[e.place_id for e in events if e.place_id]
    )
    cases = visible(
        session, user=user, record_type="case", ids=[e.case_id for e in events if e.case_id]
    )
    links = _links(session, user, list(cases), [f.id for f in firearms], list(event_of))
    persons = visible(
        session,
        user=user,
        record_type="person",
        ids=[
            lk.from_id if lk.from_type == "person" else lk.to_id
            for lk in links
            if "person" in (lk.from_type, lk.to_type)
        ],
    )
    vehicles = visible(
        session,
        user=user,
        record_type="vehicle",
        ids=[lk.from_id for lk in links if lk.from_type == "vehicle"],
    )
    evidence = Evidence()
    for record_type, rows in (
        ("event", events),
        ("firearm", firearms),
        ("place", places.values()),
        ("case", cases.values()),
    ):
        evidence.add(record_type, rows)

    events_of_case: dict[int, list[str]] = defaultdict(list)
    for e in events:
        if e.case_id:
            events_of_case[e.case_id].append(ref("event", e))
    person_events: dict[int, set[str]] = defaultdict(set)
    person_roles: dict[int, set[str]] = defaultdict(set)
    vehicle_events: dict[int, list[str]] = defaultdict(list)
    firearm_by_id = {f.id: f for f in firearms}
    for lk in links:
        if lk.kind == "involved_in" and lk.from_id in persons:
            person_events[lk.from_id].update(events_of_case.get(lk.to_id, []))
            if lk.role:
                person_roles[lk.from_id].add(lk.role)
        elif lk.kind == "seized_from" and lk.to_id in persons and lk.from_id in firearm_by_id:
            event_id = firearm_by_id[lk.from_id].event_id
            if event_id in event_of:
                person_events[lk.to_id].add(f"event:{event_id}")
        elif lk.kind == "part_of" and lk.from_id in vehicles:
            vehicle_events[lk.from_id].append(f"event:{lk.to_id}")
    people = sorted(person_events, key=lambda p: (-len(person_events[p]), p))[:TOP_PEOPLE]
    shown_people = [persons[p] for p in people]
    evidence.add("person", shown_people)
    top_vehicles = sorted(vehicle_events, key=lambda v: (-len(vehicle_events[v]), v))[:TOP]
    evidence.add("vehicle", [vehicles[v] for v in top_vehicles])
    reading.log_consultation(
        session,
        user=user,
        record_type="person",
        records=shown_people,
        why=why,
        details={"product": "problem profile"},
    )

    by_place: dict[str, list[str]] = defaultdict(list)
    for e in events:
        if e.place_id in places:
            by_place[ref("place", places[e.place_id])].append(ref("event", e))
    weapon = {
        "kinds": defaultdict(list),
        "categories": defaultdict(list),
        "models": defaultdict(list),
        "conversions": defaultdict(list),
    }
    for f in firearms:
        r = ref("firearm", f)
        weapon["kinds"][f.kind or "unknown"].append(r)
        weapon["categories"][(f.category or "unknown")[:1] if f.category else "unknown"].append(r)
        name = " ".join(x for x in (f.make, f.model) if x)
        if name:
            weapon["models"][name].append(r)
        if f.converted or f.conversion_suspected:
            kind = f.conversion_kind or ("suspected" if not f.converted else "unknown")
            weapon["conversions"][kind].append(r)
    case_kinds: dict[str, list[str]] = defaultdict(list)
    for case in cases.values():
        case_kinds[case.kind].append(ref("case", case))
    with_vehicle = {r for refs in vehicle_events.values() for r in refs if r}
    matrix = trends.heat_matrix((e.occurred_on, e.occurred_time) for e in events)
    converted = sum(len(v) for v in weapon["conversions"].values())
    content = {
        "problem": problem.as_params(),
        "truncated": truncated,
        "figures": {
            "events": len(events),
            "firearms": len(firearms),
            "converted": converted,
            "cases": len(cases),
            "persons": len(person_events),
            "vehicles": len(vehicle_events),
            "jurisdictions": sorted({e.jurisdiction for e in events}),
        },
        "trend": _trend(problem, events),
        "places": [
            {**row, "ref": row["value"], "label": evidence.label(row["value"])}
            for row in _tally(by_place)
        ],
        "unplaced": sum(1 for e in events if e.place_id not in places),
        "times": {"cells": matrix.cells, "undated": matrix.undated, "peak": matrix.peak},
        "weapons": {k: _tally(v) for k, v in weapon.items()},
        "methods": {
            "case_kinds": _tally(case_kinds),
            "with_vehicle": len(with_vehicle & {ref("event", e) for e in events}),
            "converted_share": round(converted / len(firearms), 3) if firearms else None,
        },
        "people": [
            {
                "ref": ref("person", persons[p]),
                "label": evidence.label(f"person:{p}"),
                "count": len(person_events[p]),
                "roles": sorted(person_roles[p]),
                "jurisdiction": persons[p].jurisdiction,
                "evidence": sorted(person_events[p])[:SHOWN],
            }
            for p in people
        ],
        "vehicles": [
            {
                "ref": f"vehicle:{v}",
                "label": evidence.label(f"vehicle:{v}"),
                "count": len(vehicle_events[v]),
                "evidence": vehicle_events[v][:SHOWN],
            }
            for v in top_vehicles
        ],
    }
    return content, evidence
