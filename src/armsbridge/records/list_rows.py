"""The rows of a list and its facet counts, from `reading.readable()` and a ListQuery.

A filter only narrows what the user may read: rows, counts and the case options all start from
readable(); a case is offered only when the user may read it, through links the user may read.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from threading import Lock
from time import monotonic
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, union
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from armsbridge.auth.principal import Principal
from armsbridge.db import changes
from armsbridge.i18n_marker import N_
from armsbridge.records.listing import (
    CATEGORY_WORDS,
    PAGE_SIZE,
    UNUSABLE,
    ListQuery,
    ListQueryError,
    spec_of,
)
from armsbridge.records.models import RECORD_MODELS, Case, Link
from armsbridge.records.reading import readable
from armsbridge.vocab.service import enum_values

# Counts and the sorted ids of a list are kept this long at most: the writes of other server
# processes are not seen by db.changes, so another process's new record shows within this delay.
SUMMARY_SECONDS = 10.0
CASE_OPTIONS = 100  # cases offered in the case facet (those with most rows first)
# Sorted ids are kept for lists up to this many rows (8 bytes each), for this many lists at once.
KEPT_IDS_MAX = 250_000
CASE_OPTIONS = 100  # cases offered in the case facet (those with most rows first)
NO_SUCH_CASE = N_("the number of a case you may read")


def _case_links(record_type: str, user: Principal) -> tuple[Any, Any]:
    """Return (the case id of a link, the condition of a readable link between a row and a case)."""
    model = RECORD_MODELS[record_type]
    links = readable("link", user).with_only_columns(Link.id)
    case_id = when((Link.to_type == "case", Link.to_id), else_=Link.from_id)
    joined = and_(
        Link.id.in_(links),
        or_(
            and_(Link.from_type == record_type, Link.from_id == model.id, Link.to_type == "case"),
            and_(Link.to_type == record_type, Link.to_id == model.id, Link.from_type == "case"),
        ),
    )
    return case_id, joined


def _conditions(query: ListQuery, user: Principal, skip: str | None = None) -> list[Any]:
    spec = spec_of(query.record_type)
    model = RECORD_MODELS[query.record_type]
    out: list[Any] = [
        getattr(model, name) == value for name, value in query.filters.items() if name != skip
    ]
    column = getattr(model, spec.date_column)
    kind = spec.columns[spec.date_column].kind
    if query.date_from:
        start = query.date_from
        if kind == "partial_date":  # "2026-03" is in a range that starts on 2026-03-05
            iso = start.isoformat()
            out.append(or_(column >= iso, column == iso[:7], column == iso[:4]))
        else:
            out.append(column >= (_moment(start, time.min) if kind == "datetime" else start))
    if query.date_to:
        end = query.date_to
        if kind == "partial_date":
            out.append(column <= end.isoformat())
        else:
            out.append(column <= (_moment(end, time.max) if kind == "datetime" else end))
    if query.case is not None and skip != "case" and spec.by_case is not None:
        case_id, joined = _case_links(query.record_type, user)
        linked = select(Link.id).where(joined, case_id == query.case).exists()
        # Items and events may also name their case in a column of their own.
        column = model.case_id == query.case if spec.by_case == "column" else None
        out.append(linked if column is None else or_(column, linked))
    return out


def _moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=UTC)


def statement(query: ListQuery, user: Principal) -> Select:
    """Return the rows of the list the user may read, filtered and sorted (id breaks ties)."""
    model = RECORD_MODELS[query.record_type]
    stmt = readable(query.record_type, user).where(*_conditions(query, user))
    if query.sort is None:
        return stmt.order_by(model.id.desc())  # newest first
    column = getattr(model, query.sort)
    order = column.desc() if query.descending else column.asc()
    tie = model.id.desc() if query.descending else model.id.asc()
    return stmt.order_by(order.nulls_last(), tie)


def count(session: Session, query: ListQuery, user: Principal) -> int:
    """Return how many rows the list holds."""
    stmt = readable(query.record_type, user).where(*_conditions(query, user))
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def page_of(session: Session, query: ListQuery, user: Principal) -> list[Any]:
    """Return the rows of the query's page.

    The list's ids in sort order are kept (`_SORTED`), so another page of the same list reads
    50 rows by id instead of sorting every row again; the rows are read through readable() and
    the filters each time, so a kept id never shows a row the user may no longer see.
    """
    offset = (query.page - 1) * PAGE_SIZE
    ids = _SORTED.get(
        _key(session, query, user, sort=True), lambda: _sorted_ids(session, query, user)
    )
    if ids is None:  # too long a list to keep: sort it in the store
        return list(session.scalars(statement(query, user).offset(offset).limit(PAGE_SIZE)))
    chosen = list(ids[offset : offset + PAGE_SIZE])
    if not chosen:
        return []
    model = RECORD_MODELS[query.record_type]
    stmt = readable(query.record_type, user).where(*_conditions(query, user), model.id.in_(chosen))
    found = {row.id: row for row in session.scalars(stmt)}
    return [found[i] for i in chosen if i in found]


def _sorted_ids(session: Session, query: ListQuery, user: Principal) -> array | None:
    model = RECORD_MODELS[query.record_type]
    ids = session.scalars(
        statement(query, user).with_only_columns(model.id).limit(KEPT_IDS_MAX + 1)
    ).all()
    return array("q", ids) if len(ids) <= KEPT_IDS_MAX else None


@dataclass
class _Kept:
    """Figures computed from the records, kept per key while the store does not change.

    An entry lasts SUMMARY_SECONDS at most and while db.changes counts no write; one request at
    a time computes a missing entry, the requests that arrive meanwhile wait for it.
    """

    size: int
    entries: dict[tuple[Any, ...], tuple[float, int, Any]] = field(default_factory=dict)
    lock: Lock = field(default_factory=Lock)
    computing: dict[tuple[Any, ...], Lock] = field(default_factory=dict)

    def get(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """Return the kept value of `key`, or compute, keep and return it."""
        with self.lock:
            computing = self.computing.setdefault(key, Lock())
        with computing:
            now, seen = monotonic(), changes.generation()
            with self.lock:
                kept = self.entries.get(key)
            if kept is not None and kept[0] > now and kept[1] == seen:
                return kept[2]
            value = compute()
            with self.lock:
                if len(self.entries) >= self.size:
                    oldest = next(iter(self.entries))
                    self.entries.pop(oldest)
                    self.computing.pop(oldest, None)
                self.entries[key] = (now + SUMMARY_SECONDS, seen, value)
            return value


_SUMMARIES = _Kept(size=256)
_SORTED = _Kept(size=32)


def _key(session: Session, query: ListQuery, user: Principal, *, sort: bool) -> tuple[Any, ...]:
    key = (
        id(session.get_bind()),  # two stores in one process (tests, two nodes) never share
        user.id,
        user.username,
        user.role,
        user.jurisdiction,
        query.record_type,
        tuple(sorted(query.filters.items())),
        query.date_from,
        query.date_to,
        query.case,
    )
    return (*key, query.sort, query.descending) if sort else key


@dataclass(frozen=True)
class Facet:
    """A filter with its options, each counted under the list's other filters."""

    name: str
    label: str
    options: list[tuple[str, str, int]]  # (code, label, rows)
    chosen: str | None


def facets(session: Session, query: ListQuery, user: Principal) -> list[Facet]:
    """Return each filter's options with the rows it would show, under the other filters."""
    return summary(session, query, user)[1]


def check_case(session: Session, query: ListQuery, user: Principal) -> None:
    """Refuse a case filter naming a case the user may not read (as if it did not exist)."""
    if query.case is None:
        return
    found = session.scalar(
        readable("case", user).with_only_columns(Case.id).where(Case.id == query.case)
    )
    if found is None:
        raise ListQueryError(
            UNUSABLE,
            [{"field": "case", "value": str(query.case), "expected": NO_SUCH_CASE}],
        )


def summary(session: Session, query: ListQuery, user: Principal) -> tuple[int, list[Facet]]:
    """Return (the rows of the list, each filter's options counted under the other filters).

    Kept for SUMMARY_SECONDS per user and filters while the store does not change (paging or
    sorting a list counts once); see db.changes.
    """
    check_case(session, query, user)
    key = _key(session, query, user, sort=False)
    return _SUMMARIES.get(key, lambda: _count_summary(session, query, user))


def _count_summary(session: Session, query: ListQuery, user: Principal) -> tuple[int, list[Facet]]:
    # The filters not in use share one grouped count of the filtered rows, which also gives the
    # total; a filter in use is counted on its own, without itself.
    spec = spec_of(query.record_type)
    model = RECORD_MODELS[query.record_type]
    free = [f.name for f in spec.filters if f.name not in query.filters]
    counts: dict[str, dict[Any, int]] = {name: {} for name in free}
    base = readable(query.record_type, user).where(*_conditions(query, user))
    sub = base.with_only_columns(*(getattr(model, n) for n in free), model.id).subquery()
    grouped = select(*(sub.c[n] for n in free), func.count()).group_by(*(sub.c[n] for n in free))
    total = 0
    for row in session.execute(grouped):
        n = row[-1]
        total += n
        for name, value in zip(free, row[:-1], strict=True):
            counts[name][value] = counts[name].get(value, 0) + n
    for name in query.filters:
        column = getattr(model, name)
        stmt = readable(query.record_type, user).where(*_conditions(query, user, skip=name))
        one = stmt.with_only_columns(column.label("value"), model.id).subquery()
        counts[name] = dict(
            session.execute(select(one.c.value, func.count()).group_by(one.c.value)).all()
        )
    out: list[Facet] = []
    for flt in spec.filters:
        counted = counts[flt.name]
        if flt.enum:
            labels = enum_values(flt.enum)
        else:
            labels = {str(v): CATEGORY_WORDS.get(str(v), str(v)) for v in counted if v}
        options = [(code, label, counted.get(code, 0)) for code, label in labels.items()]
        out.append(Facet(flt.name, flt.label, options, query.filters.get(flt.name)))
    if spec.by_case is not None:
        out.append(_case_facet(session, query, user))
    return total, out


def _case_facet(session: Session, query: ListQuery, user: Principal) -> Facet:
    model = RECORD_MODELS[query.record_type]
    rows = readable(query.record_type, user).where(*_conditions(query, user, skip="case"))
    ids = select(rows.with_only_columns(model.id).subquery().c.id)
    link_case, joined = _case_links(query.record_type, user)
    pairs = select(link_case.label("case_id"), model.id.label("rid")).where(
        joined, model.id.in_(ids)
    )
    if spec_of(query.record_type).by_case == "column":  # its case column, or a link to a case
        own = select(model.case_id.label("case_id"), model.id.label("rid")).where(
            model.case_id.is_not(None), model.id.in_(ids)
        )
        pairs = union(own, pairs)
    both = pairs.subquery()
    case_id = both.c.case_id
    counting = select(case_id, func.count(func.distinct(both.c.rid)))
    readable_cases = readable("case", user).with_only_columns(Case.id)
    counted = session.execute(
        counting.where(case_id.in_(readable_cases))
        .group_by(case_id)
        .order_by(func.count().desc())
        .limit(CASE_OPTIONS)
    ).all()
    by_id = {int(cid): n for cid, n in counted}
    chosen = query.case
    wanted = set(by_id) | ({chosen} if chosen else set())
    refs = dict(
        session.execute(
            readable("case", user)
            .with_only_columns(Case.id, Case.reference)
            .where(Case.id.in_(wanted))
        ).all()
    )
    options = [(str(cid), refs[cid], by_id.get(cid, 0)) for cid in sorted(refs, key=refs.get)]
    return Facet("case", N_("Case"), options, str(chosen) if chosen else None)
