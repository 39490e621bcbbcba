"""Lists of records that work: the columns, filters and facets each type offers, from the query.

Everything a list shows is named in its query string (filters, date range, case, sort, columns,
page), so a list can be shared and pagination keeps it. A parameter this module cannot use is
refused as a `ListQueryError` naming it and what was expected. The rows and facet counts are
records.list_rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Boolean, Date, DateTime, Float, Integer

from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.records.labels import field_label
from armsbridge.records.models import RECORD_MODELS
from armsbridge.records.validation import type_fields
from armsbridge.vocab.service import enum_label, enum_values
from armsbridge.vocab.values import parse_date

PAGE_SIZE = 50
LARGEST = 2**31 - 1  # record ids and pages: what the store's INTEGER holds
MAX_VALUE = 200  # characters of one parameter's value
MAX_COLS_VALUE = 1000  # characters of ?cols= (up to MAX_COLUMNS names)
MAX_COLUMNS = 20
FORMATS = ("csv", "xlsx")
# Columns kept for search, matching and the writer: nothing a reader sorts or reads in a list.
HIDDEN = {
    "id",
    "facts",
    "name_key",
    "case_id",
    "event_id",
    "place_id",
    "from_id",
    "to_id",
    "created_by",
    "updated_by",
    "rules_version",
}
# Labels of columns that records.yaml does not describe (derived or kept by the writer).
LABELS = {
    "created_at": N_("Created"),
    "updated_at": N_("Changed"),
    "calibre_normalised": N_("Calibre (normalised)"),
    "category_point": N_("Point of the category"),
    "trace_status": N_("Trace status"),
    "point_of_diversion": N_("Point of diversion"),
    "conversion_suspected": N_("Conversion suspected"),
}
# What a list shows unless ?cols= says otherwise: what tells one row from the next.
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "case": ("reference", "title", "kind", "status", "opened_on"),
    "event": ("kind", "occurred_on", "description", "updated_at"),
    "place": ("name", "kind", "municipality", "country"),
    "firearm": ("make", "model", "calibre", "category"),
    "ammunition": ("calibre", "quantity", "projectile", "updated_at"),
    "explosive": ("kind", "model", "quantity", "updated_at"),
    "component": ("kind", "fits_make", "fits_model", "calibre"),
    "person": ("family_name", "given_name", "birth_date", "nationality"),
    "vehicle": ("plate_raw", "make", "model", "colour"),
    "phone": ("number_raw", "e164", "country", "updated_at"),
    "organisation": ("name", "kind", "updated_at"),
    "online_account": ("platform", "handle", "url"),
    "intel_report": ("reported_on", "source_grade", "information_grade", "updated_at"),
}
# Columns offered as filters where the type has them (with jurisdiction and handling code).
FILTERED = ("jurisdiction", "handling_code", "status", "kind", "category")
# The record's main date, which the date range applies to (else when it was recorded).
MAIN_DATE = {"case": "opened_on", "event": "occurred_on", "intel_report": "reported_on"}
# Stored category codes that are not a letter of the Directive's Annex I.
CATEGORY_WORDS = {"undetermined": N_("not yet determined"), "not_a_firearm": N_("not a firearm")}
UNUSABLE = N_("This list cannot use some parameters of its address: each is named below.")
PLAIN = ("why", "page", "sort", "dir", "cols", "from", "to", "case", "format")


class ListQueryError(ValidationFailed):
    """A list's query string names a parameter or value the list cannot use (422)."""


@dataclass(frozen=True)
class Column:
    """One column a list can show and sort by."""

    name: str
    label: str
    kind: str  # text, enum, date, partial_date, datetime, number, bool
    enum: str | None = None


@dataclass(frozen=True)
class Filter:
    """A column a list can be narrowed by; its options come from an enumeration or the store."""

    name: str
    label: str
    enum: str | None


@dataclass(frozen=True)
class ListSpec:
    """What the list of one record type offers."""

    record_type: str
    columns: dict[str, Column]
    defaults: tuple[str, ...]
    filters: tuple[Filter, ...]
    date_column: str
    by_case: str | None  # "column" (items, events), "links", or None (cases, links)

    def parameters(self) -> tuple[str, ...]:
        """Return every query parameter this list understands."""
        return (*PLAIN, *(f.name for f in self.filters))


def _kind_of(record_type: str, name: str, column: Any) -> tuple[str, str | None]:
    spec = type_fields(record_type).get(name)
    if spec is not None:
        kind = spec.get("type", "text")
        if kind == "enum":
            return "enum", spec["enum"]
        if kind in ("int", "float"):
            return "number", None
        return ({"list": "text"}.get(kind, kind)), None
    sql = column.type
    if isinstance(sql, DateTime):
        return "datetime", None
    if isinstance(sql, Date):
        return "date", None
    if isinstance(sql, Boolean):
        return "bool", None
    if isinstance(sql, Integer | Float):
        return "number", None
    return "text", None


@cache
def spec_of(record_type: str) -> ListSpec:
    """Return the list spec of a record type, derived from its table and records.yaml."""
    model = RECORD_MODELS[record_type]
    columns: dict[str, Column] = {}
    for column in model.__table__.columns:
        name = column.key
        if name in HIDDEN or name.endswith(("_key", "_key_rev")) or _is_json(column):
            continue
        kind, enum = _kind_of(record_type, name, column)
        columns[name] = Column(name, LABELS.get(name) or field_label(name), kind, enum)
    fields = [n for n in type_fields(record_type) if n in columns]
    defaults = DEFAULT_COLUMNS.get(record_type) or (*fields[5:8], "updated_at")
    filters = tuple(
        Filter(name, columns[name].label, columns[name].enum)
        for name in FILTERED
        if name in columns and (columns[name].enum or name == "category")
    )
    if record_type in ("case", "link"):
        by_case = None
    else:
        by_case = "column" if "case_id" in model.__table__.columns else "links"
    return ListSpec(
        record_type=record_type,
        columns=columns,
        defaults=tuple(c for c in defaults if c in columns),
        filters=filters,
        date_column=MAIN_DATE.get(record_type, "created_at"),
        by_case=by_case,
    )


def _is_json(column: Any) -> bool:
    return column.type.__class__.__name__ == "JSON"


@dataclass(frozen=True)
class ListQuery:
    """One list as its query string describes it."""

    record_type: str
    filters: dict[str, str] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    case: int | None = None
    sort: str | None = None
    descending: bool = False
    columns: tuple[str, ...] = ()
    page: int = 1
    why: str = ""

    def params(self, **changes: Any) -> dict[str, str]:
        """Return the query parameters of this list (with `changes`), defaults left out."""
        query = replace(self, **changes) if changes else self
        spec = spec_of(query.record_type)
        out: dict[str, str] = {}
        if query.why:
            out["why"] = query.why
        out.update({k: v for k, v in query.filters.items() if v})
        if query.date_from:
            out["from"] = query.date_from.isoformat()
        if query.date_to:
            out["to"] = query.date_to.isoformat()
        if query.case is not None:
            out["case"] = str(query.case)
        if query.sort:
            out["sort"] = query.sort
            out["dir"] = "desc" if query.descending else "asc"
        if query.columns and tuple(query.columns) != spec.defaults:
            out["cols"] = ",".join(query.columns)
        if query.page > 1:
            out["page"] = str(query.page)
        return out

    def url(self, extra: Mapping[str, str] | None = None, **changes: Any) -> str:
        """Return the `?...` of this list with `changes` (and `extra` parameters such as format)."""
        return "?" + urlencode({**self.params(**changes), **(extra or {})})


def _problem(name: str, value: str, expected: str, allowed: Iterable[str] = ()) -> dict[str, Any]:
    problem: dict[str, Any] = {"field": name, "value": value[:40], "expected": expected}
    shown = list(allowed)
    if shown:
        problem["allowed"] = shown
    return problem


def _whole(raw: str, name: str, problems: list[dict[str, Any]]) -> int | None:
    text = raw.strip()
    if not text.isdigit() or len(text) > 10 or not 1 <= int(text) <= LARGEST:
        expected = N_("a whole number from 1 to 2147483647")
        problems.append(_problem(name, raw, expected))
        return None
    return int(text)


def _day(raw: str, name: str, problems: list[dict[str, Any]]) -> date | None:
    if not raw.strip():
        return None
    try:
        return parse_date(raw, field=name)
    except ValidationFailed:
        problems.append(_problem(name, raw, N_("a date written dd.mm.yyyy or yyyy-mm-dd")))
        return None


def parse_query(record_type: str, items: Iterable[tuple[str, str]]) -> ListQuery:
    """Return the list a query string describes; ListQueryError naming every unusable parameter."""
    spec = spec_of(record_type)
    known = spec.parameters()
    problems: list[dict[str, Any]] = []
    given: dict[str, str] = {}
    for name, value in items:
        if name not in known:
            expected = N_("a parameter this list has")
            problems.append(_problem(name[:40], value, expected, known))
        elif name in given:
            problems.append(_problem(name, value, N_("given once")))
        elif name == "cols" and len(value) > MAX_COLS_VALUE:
            problems.append(_problem(name, value, N_("at most 1000 characters")))
        elif len(value) > MAX_VALUE and name not in ("why", "cols"):
            problems.append(_problem(name, value, N_("at most 200 characters")))
        else:
            given[name] = value
    filters: dict[str, str] = {}
    for flt in spec.filters:
        value = given.get(flt.name, "").strip()
        if not value:
            continue
        codes = list(enum_values(flt.enum)) if flt.enum else None
        if codes is not None and value not in codes:
            problems.append(_problem(flt.name, value, N_("one of this filter's codes"), codes))
            continue
        filters[flt.name] = value
    page = _whole(given["page"], "page", problems) if "page" in given else 1
    case_id = _whole(given["case"], "case", problems) if given.get("case", "").strip() else None
    if case_id is not None and spec.by_case is None:
        problems.append(_problem("case", given["case"], N_("no case filter on this list")))
        case_id = None
    date_from = _day(given.get("from", ""), "from", problems)
    date_to = _day(given.get("to", ""), "to", problems)
    if date_from and date_to and date_from > date_to:
        problems.append(_problem("to", given["to"], N_("a date on or after the 'from' date")))
    columns = spec.defaults
    if "cols" in given:
        names = [c.strip() for c in given["cols"].split(",") if c.strip()]
        unknown = [c for c in names if c not in spec.columns]
        if unknown:
            expected = N_("columns of this list, separated by commas")
            problems.append(_problem("cols", unknown[0], expected, spec.columns))
        elif not names or len(names) > MAX_COLUMNS:
            problems.append(_problem("cols", given["cols"], N_("from 1 to 20 columns")))
        else:
            columns = tuple(dict.fromkeys(names))
    sort = given.get("sort", "").strip() or None
    if sort is not None and sort not in spec.columns:
        problems.append(_problem("sort", sort, N_("a column of this list"), spec.columns))
    direction = given.get("dir", "asc").strip() or "asc"
    if direction not in ("asc", "desc"):
        problems.append(_problem("dir", direction, N_("asc or desc")))
    if given.get("format", "") not in ("", *FORMATS):
        problems.append(_problem("format", given["format"], N_("csv or xlsx")))
    if problems:
        raise ListQueryError(UNUSABLE, problems)
    return ListQuery(
        record_type=record_type,
        filters=filters,
        date_from=date_from,
        date_to=date_to,
        case=case_id,
        sort=sort,
        descending=direction == "desc",
        columns=columns,
        page=page or 1,
        why=given.get("why", ""),
    )


def cell(column: Column, record: Any) -> Any:
    """Return the stored value of a column of a record (None when empty)."""
    value = getattr(record, column.name, None)
    return None if value in ("", []) else value


def shown_label(column: Column, value: Any) -> Any:
    """Return the (untranslated) label of a coded value; other values unchanged."""
    if value is None:
        return None
    if column.enum:
        return enum_label(column.enum, value)
    if column.name == "category":
        return CATEGORY_WORDS.get(str(value), value)
    return value


def query_of(record_type: str, params: Mapping[str, str] | Iterable[tuple[str, str]]) -> ListQuery:
    """Return the ListQuery of a mapping or pairs of parameters (tests, the benchmark)."""
    items = params.items() if isinstance(params, Mapping) else params
    return parse_query(record_type, items)
