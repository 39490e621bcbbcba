"""records.listing, list_rows and list_export: what a list offers, its rows, counts and exports."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.records import list_rows, service
from armsbridge.records.labels import TYPES
from armsbridge.records.list_export import export_list
from armsbridge.records.listing import ListQueryError, parse_query, query_of, spec_of
from foreign_records import add_foreign_world, markers
from principals import as_actor

XK_ANALYST = Principal(id=990, username="xk", role="analyst", jurisdiction="XK")
MK_ANALYST = Principal(id=991, username="mk", role="analyst", jurisdiction="MK")


def _firearm(session, jurisdiction: str = "XK", **data) -> int:
    made = service.create_record(
        session,
        record_type="firearm",
        data={"jurisdiction": jurisdiction, **data},
        user=as_actor("a", jurisdiction),
    )
    session.flush()
    return made.id


def test_every_list_type_has_a_spec_with_usable_defaults() -> None:
    for record_type in TYPES:
        spec = spec_of(record_type)
        assert spec.defaults, record_type
        assert set(spec.defaults) <= set(spec.columns)
        assert {"jurisdiction", "handling_code"} <= {f.name for f in spec.filters}
        assert spec.date_column in spec.columns


def test_firearm_defaults_tell_rows_apart_and_hide_internal_columns() -> None:
    spec = spec_of("firearm")
    assert spec.defaults == ("make", "model", "calibre", "category")
    assert {"kind", "status", "category"} <= {f.name for f in spec.filters}
    assert not {"id", "facts", "serial_key", "case_id", "category_reasons"} & set(spec.columns)
    assert spec.by_case == "column" and spec_of("person").by_case == "links"
    assert spec_of("case").by_case is None


def test_a_query_round_trips_through_its_url() -> None:
    query = query_of(
        "firearm",
        {"kind": "pistol", "sort": "make", "dir": "desc", "from": "01.03.2026", "page": "3"},
    )
    assert query.filters == {"kind": "pistol"} and query.descending
    assert query.date_from == date(2026, 3, 1)
    again = parse_query("firearm", query.params().items())
    assert again == query
    assert "page=2" in query.url(page=2) and "kind=pistol" in query.url(page=2)
    assert "cols" not in query.params()  # the defaults are not spelled out


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "-3"}, "page"),
        ({"page": "99999999999"}, "page"),
        ({"cols": "make,nope"}, "cols"),
        ({"cols": ","}, "cols"),
        ({"cols": ",".join(["make"] * 30)}, "cols"),
        ({"sort": "facts"}, "sort"),
        ({"from": "2026-02-30"}, "from"),
        ({"status": "melted"}, "status"),
        ({"case": "abc"}, "case"),
        ({"unknown": "1"}, "unknown"),
        ({"kind": "x" * 500}, "kind"),
    ],
)
def test_unusable_parameters_are_named_with_what_was_expected(params, field) -> None:
    with pytest.raises(ListQueryError) as caught:
        query_of("firearm", params)
    problems = caught.value.problems
    assert problems[0]["field"] == field and problems[0]["expected"]


def test_twenty_long_column_names_are_accepted() -> None:
    names = [c for c in spec_of("firearm").columns if len(c) > 8][:20]
    assert len(",".join(names)) > 200
    assert query_of("firearm", {"cols": ",".join(names)}).columns == tuple(names)


def test_a_column_named_twice_is_shown_once() -> None:
    assert query_of("firearm", {"cols": "make,model,make"}).columns == ("make", "model")


def test_a_case_filter_on_the_case_list_is_refused() -> None:
    with pytest.raises(ListQueryError):
        query_of("case", {"case": "1"})


def test_rows_and_counts_never_leave_the_users_jurisdiction(session) -> None:
    mine = _firearm(session, make="Glock", kind="pistol")
    _firearm(session, "MK", make="Zastava", kind="pistol")
    _firearm(session, "MK", make="Zastava", kind="rifle")
    for params in ({}, {"jurisdiction": "MK"}, {"kind": "pistol"}, {"sort": "make"}):
        query = query_of("firearm", params)
        ids = [r.id for r in list_rows.page_of(session, query, XK_ANALYST)]
        assert set(ids) <= {mine}, params
    facets = {f.name: f for f in list_rows.facets(session, query_of("firearm", {}), XK_ANALYST)}
    assert dict((c, n) for c, _l, n in facets["jurisdiction"].options) == {"XK": 1, "MK": 0}
    assert dict((c, n) for c, _l, n in facets["kind"].options)["rifle"] == 0
    mk = {f.name: f for f in list_rows.facets(session, query_of("firearm", {}), MK_ANALYST)}
    assert dict((c, n) for c, _l, n in mk["kind"].options)["rifle"] == 1


def test_a_facet_counts_under_the_other_filters_only(session) -> None:
    _firearm(session, make="A", kind="pistol", status="seized")
    _firearm(session, make="B", kind="pistol", status="found")
    _firearm(session, make="C", kind="rifle", status="seized")
    query = query_of("firearm", {"kind": "pistol", "status": "seized"})
    facets = {f.name: f for f in list_rows.facets(session, query, as_actor("a"))}
    kinds = {c: n for c, _l, n in facets["kind"].options}
    statuses = {c: n for c, _l, n in facets["status"].options}
    assert kinds["pistol"] == 1 and kinds["rifle"] == 1  # under status=seized
    assert statuses["seized"] == 1 and statuses["found"] == 1  # under kind=pistol
    assert list_rows.count(session, query, as_actor("a")) == 1


def test_sort_puts_empty_values_last_both_ways(session) -> None:
    empty = _firearm(session, make=None, model="x")
    a = _firearm(session, make="Agram")
    b = _firearm(session, make="Beretta")
    up = [
        r.id
        for r in list_rows.page_of(session, query_of("firearm", {"sort": "make"}), as_actor("a"))
    ]
    down_query = query_of("firearm", {"sort": "make", "dir": "desc"})
    down = [r.id for r in list_rows.page_of(session, down_query, as_actor("a"))]
    assert up.index(a) < up.index(b) < up.index(empty)
    assert down.index(b) < down.index(a) < down.index(empty)


def _export(session, user, fmt="csv", **params):
    query = query_of("person", {"why": "list test", **params})
    return export_list(
        session,
        user=user,
        query=query,
        fmt=fmt,
        headers=["Given name", "Family name"],
        marking_headers=["From", "Code", "Grades", "On", "Notice"],
        values=lambda r: [r.given_name, r.family_name],
        withheld_note=lambda n: f"{n} left out",
        name="persons",
    )


def test_the_list_export_leaves_h2_out_marks_the_rest_and_is_logged(session) -> None:
    add_foreign_world(session)
    written = _export(session, as_actor("a"))
    text = written.content.decode("utf-8-sig")
    assert markers("H2")["given_name"] not in text
    assert markers("H1")["given_name"] in text and "1 left out" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["Given name", "Family name"] and rows[0][2] == "From"
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.record_type == "person" and entry.why == "list test"
    assert entry.details["withheld_h2"] == {"person": 1}
    assert len(entry.details["ids"]["person"]) == written.rows


def test_the_list_export_of_personal_records_needs_a_justification(session) -> None:
    query = query_of("person", {})
    with pytest.raises(ValidationFailed) as caught:
        export_list(
            session,
            user=as_actor("a"),
            query=query,
            fmt="csv",
            headers=[],
            marking_headers=[],
            values=lambda r: [],
            withheld_note=str,
            name="persons",
        )
    assert caught.value.problems[0]["field"] == "why"


def test_the_summary_total_matches_the_count_with_and_without_filters(session) -> None:
    _firearm(session, make="A", kind="pistol", status="seized")
    _firearm(session, make="B", kind="pistol")
    _firearm(session, make="C", kind="rifle", status="seized", handling_code="H1")
    for params in ({}, {"kind": "pistol"}, {"status": "seized", "handling_code": "H1"}):
        query = query_of("firearm", params)
        total, facets = list_rows.summary(session, query, as_actor("a"))
        assert total == list_rows.count(session, query, as_actor("a")), params
        by_name = {f.name: {c: n for c, _l, n in f.options} for f in facets}
        for name in ("kind", "status", "handling_code"):
            if name not in params:  # a free filter's options add up to the rows shown
                assert sum(by_name[name].values()) <= total
        assert by_name["kind"]["pistol"] == (2 if not params.get("status") else 0), params
