"""Saved searches: a list's filters, sort and columns kept under a name, for one user only."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from armsbridge.auth.principal import Principal
from armsbridge.errors import NotFound, ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.records.listing import ListQuery
from armsbridge.records.models import SavedSearch

MAX_NAME = 100
MAX_PER_LIST = 50
NAME_EXPECTED = N_("a name of 1 to 100 characters")
FULL = N_("at most 50 saved searches per list: remove one first")


def saved_searches(session: Session, *, user: Principal, record_type: str) -> list[SavedSearch]:
    """Return the user's saved searches of one list, by name."""
    stmt = select(SavedSearch).where(
        SavedSearch.user_id == user.id, SavedSearch.record_type == record_type
    )
    return list(session.scalars(stmt.order_by(func.lower(SavedSearch.name))))


def save_search(session: Session, *, user: Principal, query: ListQuery, name: str) -> SavedSearch:
    """Keep `query` (without its page or reason) under `name`; the same name is replaced."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise ValidationFailed(
            N_("name: %(count_name)s characters, expected 1 to %(max_name)s"),
            [{"field": "name", "value": name[:40], "expected": NAME_EXPECTED}],
            values={"count_name": len(name), "max_name": MAX_NAME},
        )
    kept = query.url(why="", page=1).removeprefix("?")
    mine = saved_searches(session, user=user, record_type=query.record_type)
    same = next((s for s in mine if s.name.lower() == name.lower()), None)
    if same is not None:
        same.name, same.query = name, kept
        return same
    if len(mine) >= MAX_PER_LIST:
        raise ValidationFailed(
            N_(
                "name: %(count_mine)s saved searches on this list already, at most %(max_per_list)s"
            ),
            [{"field": "name", "value": name[:40], "expected": FULL}],
            values={"count_mine": len(mine), "max_per_list": MAX_PER_LIST},
        )
    search = SavedSearch(user_id=user.id, record_type=query.record_type, name=name, query=kept)
    session.add(search)
    session.flush()
    return search


def remove_search(session: Session, *, user: Principal, search_id: int) -> SavedSearch:
    """Remove one of the user's saved searches (another user's is as if it did not exist)."""
    search = session.get(SavedSearch, search_id)
    if search is None or search.user_id != user.id:
        raise NotFound(
            N_("saved search %(search_id)s does not exist"), values={"search_id": search_id}
        )
    session.delete(search)
    session.flush()
    return search
