"""Which records a page shows, so that each foreign one carries its marking (records.handling)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from armsbridge.records.handling import Marking, markings_of
from armsbridge.records.search import SearchResults

Marks = dict[tuple[str, int], Marking]


def page_marks(
    session: Session, *, record_type: str, record: Any, links: dict[str, list], ctx: dict[str, Any]
) -> Marks:
    """Return the markings of a record page's record and of every record shown with it."""
    items = [(record_type, record.id)]
    items += [(t, other.id) for t, pairs in links.items() for _link, other in pairs]
    items += [(t, ctx[t].id) for t in ("case", "event", "place") if ctx.get(t)]
    items += [(t, r.id) for t, rows in ctx.get("case_items", {}).items() for r in rows]
    items += [("event", e.id) for e in ctx.get("events", []) if e]
    return markings_of(session, items)


def result_marks(session: Session, results: SearchResults | None) -> Marks:
    """Return the markings of the records a search page lists."""
    if results is None:
        return {}
    kinds = (
        ("person", results.persons),
        ("firearm", results.firearms),
        ("vehicle", results.vehicles),
        ("phone", results.phones),
    )
    return markings_of(session, [(t, r.id) for t, rows in kinds for r in rows or []])


def row_marks(session: Session, record_type: str, rows: list[Any]) -> Marks:
    """Return the markings of the rows of a list page."""
    return markings_of(session, [(record_type, r.id) for r in rows])
