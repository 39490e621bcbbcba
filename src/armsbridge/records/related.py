"""What a record page shows beside its fields: linked records, case items, a case's timeline."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from armsbridge.records.models import (
    RECORD_MODELS,
    AmmunitionLot,
    Case,
    Component,
    Event,
    Explosive,
    Firearm,
    Link,
    Place,
)

ITEM_TYPES = {
    "firearm": Firearm,
    "ammunition": AmmunitionLot,
    "explosive": Explosive,
    "component": Component,
}


def restricted_statement(name: str, build: Any, user: Any, action: str) -> Any:
    """Return the cached restrict()ed statement (see auth.permissions.restricted_statement)."""
    from armsbridge.auth.permissions import restricted_statement as cached

    return cached(name, build, user, action)


def _restrict(stmt: Any, user: Any) -> Any:
    from armsbridge.auth.permissions import restrict

    return restrict(stmt, user, "record.read")


def narrowed(model: Any, *where: Any) -> Any:
    """Return select(model) of the rows matching `where`, found by id before restrict() applies.

    restrict() adds a jurisdiction condition; given both, SQLite tends to walk the jurisdiction
    index. Selecting the ids first lets the specific index (links, case_id, ...) do the work.
    """
    return select(model).where(model.id.in_(select(model.id).where(*where)))


def visible(session: Session, *, user: Any, record_type: str, ids: list[int]) -> dict[int, Any]:
    """Return {id: record} of the given ids the user may read (others are left out silently)."""
    if not ids:
        return {}
    model = RECORD_MODELS[record_type]

    def build() -> Any:
        return select(model).where(model.id.in_(bindparam("ids", expanding=True)))

    stmt = restricted_statement("visible:" + record_type, build, user, "record.read")
    return {r.id: r for r in session.scalars(stmt, {"ids": sorted(set(ids))})}


def linked(session: Session, *, user: Any, record_type: str, record_id: int) -> dict[str, list]:
    """Return {record type: [(link, record), ...]} of every readable record linked to this one."""

    def build() -> Any:
        return narrowed(
            Link,
            or_(
                (Link.from_type == record_type) & (Link.from_id == bindparam("record_id")),
                (Link.to_type == record_type) & (Link.to_id == bindparam("record_id")),
            ),
        )

    stmt = restricted_statement("linked:" + record_type, build, user, "record.read")
    links = list(session.scalars(stmt, {"record_id": record_id}))
    wanted: dict[str, list[int]] = defaultdict(list)
    ends = []
    for link in links:
        if link.from_type == record_type and link.from_id == record_id:
            other = (link.to_type, link.to_id)
        else:
            other = (link.from_type, link.from_id)
        if other[0] in RECORD_MODELS:
            wanted[other[0]].append(other[1])
            ends.append((link, other))
    found = {t: visible(session, user=user, record_type=t, ids=ids) for t, ids in wanted.items()}
    out: dict[str, list] = defaultdict(list)
    for link, (other_type, other_id) in ends:
        record = found[other_type].get(other_id)
        if record is not None:
            out[other_type].append((link, record))
    return dict(out)


def _by_fk(session: Session, user: Any, column: str, value: int) -> dict[str, list]:
    out: dict[str, list] = {}
    for name, model in ITEM_TYPES.items():
        stmt = narrowed(model, getattr(model, column) == value).limit(200)
        rows = list(session.scalars(_restrict(stmt, user)))
        if rows:
            out[name] = rows
    return out


def context_of(session: Session, *, user: Any, record_type: str, record: Any) -> dict[str, Any]:
    """Return the records a page shows with this one: its case, event, place, items, events."""
    ctx: dict[str, Any] = {}
    case_id = getattr(record, "case_id", None)
    if case_id:
        ctx["case"] = visible(session, user=user, record_type="case", ids=[case_id]).get(case_id)
    event_id = getattr(record, "event_id", None)
    if event_id:
        ctx["event"] = visible(session, user=user, record_type="event", ids=[event_id]).get(
            event_id
        )
    place_id = getattr(record, "place_id", None)
    if place_id:
        ctx["place"] = visible(session, user=user, record_type="place", ids=[place_id]).get(
            place_id
        )
    if record_type == "case":
        ctx["case_items"] = _by_fk(session, user, "case_id", record.id)
        stmt = narrowed(Event, Event.case_id == record.id).order_by(Event.occurred_on)
        ctx["events"] = list(session.scalars(_restrict(stmt, user)))
    elif record_type == "event":
        ctx["case_items"] = _by_fk(session, user, "event_id", record.id)
    elif record_type == "place":
        stmt = narrowed(Event, Event.place_id == record.id).order_by(Event.occurred_on)
        ctx["events"] = list(session.scalars(_restrict(stmt.limit(200), user)))
    if record_type == "firearm" and record.event_id:
        ctx["events"] = [ctx["event"]] if ctx.get("event") else []
    return ctx


def timeline(case: Case, events: list[Event], places: dict[int, Place]) -> list[dict[str, Any]]:
    """Return a case's status changes and events as one list in date order."""
    entries: list[dict[str, Any]] = []
    for change in case.history:
        entries.append({"when": change.changed_on.isoformat(), "kind": "status", "change": change})
    for event in events:
        entries.append(
            {
                "when": event.occurred_on or "",
                "kind": "event",
                "event": event,
                "place": places.get(event.place_id) if event.place_id else None,
            }
        )
    entries.sort(key=lambda e: e["when"])
    return entries
