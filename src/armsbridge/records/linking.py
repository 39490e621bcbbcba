"""Linking two records by hand: finding the other end, the link's direction, removing a link.

The link itself is made by service.link_records and erased by service.delete_record, so a link
made on a page is checked, stored and audited like one made by an import or the API.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text, or_
from sqlalchemy.orm import Session

from armsbridge.auth.permissions import record_types_for
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.records import reading, search, service
from armsbridge.records.labels import TYPES
from armsbridge.records.models import RECORD_MODELS, Link

# Records that hold others (a person is involved in a case, a gun found at a place): a link made
# from their page points from the other record to them, as imports write it.
CONTAINERS = ("case", "event", "place", "organisation", "intel_report")
# Searched through the one search of the search box (names in any script, serials, plates).
SEARCHED = {
    "person": search.search_persons,
    "firearm": search.search_firearms,
    "vehicle": search.search_vehicles,
    "phone": search.search_phones,
}
# Columns never matched by the text search of the other types.
UNSEARCHED = {"jurisdiction", "handling_code", "handling_restriction", "source_ref"}
MAX_TARGETS = 10


def target_types(user: Principal) -> list[str]:
    """Record types the user may link to (those the role may read), in menu order."""
    readable = record_types_for(user.role, "read")
    return [t for t in TYPES if t in readable]


def find_targets(
    session: Session, *, user: Principal, target_type: str, query: str, why: str | None
) -> list[Any]:
    """Records of one type the user may read that the query names (personal ones with a why)."""
    if target_type not in target_types(user):
        raise ValidationFailed(
            N_("type: %(target_type)r is not a record type you may link to"),
            [{"field": "type", "value": target_type, "expected": "a record type you may read"}],
            values={"target_type": target_type},
        )
    query = (query or "").strip()[: search.MAX_QUERY]
    if not query:
        return []
    reading.check_justification(target_type, why)
    if target_type in SEARCHED:
        return list(SEARCHED[target_type](session, user=user, query=query, limit=MAX_TARGETS))
    model = RECORD_MODELS[target_type]
    pattern = f"%{search.like_escape(query)}%"
    columns = [
        c
        for c in model.__table__.columns
        if isinstance(c.type, String | Text) and c.name not in UNSEARCHED
    ]
    where = [c.ilike(pattern, escape="\\") for c in columns]
    if query.lstrip("#").isdigit():
        where.append(model.id == int(query.lstrip("#")))
    stmt = reading.readable(target_type, user).where(or_(*where))
    return list(session.scalars(stmt.order_by(model.id.desc()).limit(MAX_TARGETS)))


def natural_direction(record_type: str, other_type: str) -> str:
    """'out' when a link from this record to the other reads as imports write it, else 'in'."""
    return "in" if record_type in CONTAINERS and other_type not in CONTAINERS else "out"


def add_link(
    session: Session,
    *,
    user: Principal,
    record_type: str,
    record_id: int,
    other_type: str,
    other_id: int,
    direction: str,
    kind: str,
    **details: Any,
) -> Link:
    """Link this record and another, from this one ('out') or to it ('in'), audited."""
    if direction not in ("out", "in"):
        raise ValidationFailed(
            N_("direction: %(direction)r is neither 'out' nor 'in'"),
            [{"field": "direction", "value": direction, "expected": "out or in"}],
            values={"direction": direction},
        )
    ends = [(record_type, record_id), (other_type, other_id)]
    if direction == "in":
        ends.reverse()
    if ends[0] == ends[1]:
        raise ValidationFailed(
            "to: a record cannot be linked to itself",
            [{"field": "to", "value": f"{other_type}:{other_id}", "expected": "another record"}],
        )
    (from_type, from_id), (to_type, to_id) = ends
    return service.link_records(
        session,
        kind=kind,
        from_type=from_type,
        from_id=from_id,
        to_type=to_type,
        to_id=to_id,
        user=user,
        **details,
    )
