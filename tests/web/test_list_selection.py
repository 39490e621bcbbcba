"""Bulk changes on a list (assign to a case, set the handling code), saved searches, "Saved."."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.records import selection
from armsbridge.records.listing import PAGE_SIZE
from armsbridge.records.models import Firearm, Link, SavedSearch
from armsbridge.web.notice import NOTICE_COOKIE

from .conftest import add_record, csrf_of, sign_in


def _firearms(node, *ids: int) -> list[Firearm]:
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        rows = s.scalars(select(Firearm).where(Firearm.id.in_(ids)).order_by(Firearm.id)).all()
        s.expunge_all()
        return list(rows)


@pytest.fixture
def loose(node) -> list[int]:
    """Two XK pistols in no case, and an MK one the XK analyst may read but not change."""
    return [
        add_record(node, "firearm", make="Glock", model="17", kind="pistol"),
        add_record(node, "firearm", make="CZ", model="75", kind="pistol"),
        add_record(node, "firearm", jurisdiction="MK", make="Zastava", model="M57", kind="pistol"),
    ]


def _post(client: TestClient, url: str, page: str, **form: Any) -> Any:
    return client.post(url, data={"csrf_token": csrf_of(client.get(page).text), **form})


def test_chosen_firearms_go_into_a_case_each_change_audited_and_saved_is_said(
    node, analyst, loose
) -> None:
    done = _post(
        analyst,
        "/records/firearms/selection",
        "/records/firearms",
        ids=[str(loose[0]), str(loose[1])],
        action="case",
        case="xk-2026-001",  # the reference as typed, any case
        list="?kind=pistol",
    )
    assert done.status_code == 200, done.text.split("<main", 1)[1][:1500]
    assert done.url.query == b"kind=pistol"
    assert 'id="page-notice"' in done.text and "2 records changed." in done.text
    in_case = analyst.get(f"/records/firearms?case={node.ids['case']}").text
    assert all(f"/records/firearms/{i}" in in_case for i in loose[:2])
    assert f'value="{node.ids["case"]}" selected>XK-2026-001 (3)' in in_case
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        changed = s.scalars(
            select(AuditEntry.record_id).where(
                AuditEntry.action == "create", AuditEntry.record_type == "link"
            )
        ).all()
    assert len(changed) >= 2
    again = analyst.get("/records/firearms?kind=pistol")
    assert "records changed." not in again.text  # a confirmation is shown once


def test_chosen_persons_are_linked_to_the_case_with_their_role(node, analyst) -> None:
    page = "/records/persons?why=case+XK-2026-001"
    done = _post(
        analyst,
        "/records/persons/selection",
        page,
        ids=[str(node.ids["other"])],
        action="case",
        case="XK-2026-001",
        role="witness",
        list="?why=case+XK-2026-001",
    )
    assert done.status_code == 200 and "1 record changed." in done.text
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        link = s.scalars(
            select(Link).where(Link.from_type == "person", Link.from_id == node.ids["other"])
        ).one()
        assert (link.kind, link.to_id, link.role) == ("involved_in", node.ids["case"], "witness")
    listed = analyst.get(f"{page}&case={node.ids['case']}")
    assert f"/records/persons/{node.ids['other']}" in listed.text


def test_one_refused_record_changes_none_names_itself_and_keeps_the_choice(
    node, analyst, loose
) -> None:
    ids = [str(loose[0]), str(loose[2])]
    refused = _post(
        analyst,
        "/records/firearms/selection",
        "/records/firearms",
        ids=ids,
        action="handling_code",
        handling_code="H2",
        list="?kind=pistol",
    )
    assert refused.status_code == 404
    assert 'id="list-error"' in refused.text and f"firearm {loose[2]}" in refused.text
    assert f'name="ids" value="{loose[0]}" form="selection" checked' in refused.text
    assert 'value="H2" selected' in refused.text  # the input is kept
    assert [f.handling_code for f in _firearms(node, *loose)] == ["H0", "H0", "H0"]


def test_a_selection_needs_records_and_has_a_limit_it_names(node, analyst, loose) -> None:
    none = _post(
        analyst, "/records/firearms/selection", "/records/firearms", action="handling_code"
    )
    assert none.status_code == 422 and "at least one record chosen on the list" in none.text
    many = [str(i) for i in range(1, selection.MAX_SELECTED + 2)]
    too_many = _post(
        analyst,
        "/records/firearms/selection",
        "/records/firearms",
        ids=many,
        action="handling_code",
        handling_code="H1",
    )
    assert too_many.status_code == 422 and "at most 50 records at once" in too_many.text
    assert selection.MAX_SELECTED >= PAGE_SIZE  # a whole page can always be chosen
    unknown = _post(
        analyst,
        "/records/firearms/selection",
        "/records/firearms",
        ids=[str(loose[0])],
        action="erase",
    )
    assert (
        unknown.status_code == 422 and "assign to a case, or set the handling code" in unknown.text
    )


def test_a_role_that_may_not_change_records_gets_no_choice_and_a_forged_post_is_refused(
    node, loose
) -> None:
    with TestClient(node.app) as border:
        sign_in(border, "border")
        page = border.get("/records/firearms")
        assert page.status_code == 200 and 'name="ids"' not in page.text
        forged = border.post(
            "/records/firearms/selection",
            data={
                "csrf_token": csrf_of(page.text),
                "ids": [str(loose[0])],
                "action": "handling_code",
                "handling_code": "H2",
            },
        )
    assert forged.status_code == 403
    assert _firearms(node, loose[0])[0].handling_code == "H0"


def test_a_saved_search_is_the_users_own_and_opens_the_same_list(node, analyst, loose) -> None:
    saved = _post(
        analyst,
        "/records/firearms/saved",
        "/records/firearms",
        name="  Pistols   seized ",
        list="?kind=pistol&sort=make&dir=desc&page=2",
    )
    assert saved.status_code == 200 and "Search saved." in saved.text
    assert 'href="/records/firearms?kind=pistol&amp;sort=make&amp;dir=desc">Pistols seized' in (
        saved.text
    )
    # the same name again replaces it rather than keeping two
    _post(analyst, "/records/firearms/saved", "/records/firearms", name="pistols SEIZED", list="")
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        rows = s.scalars(select(SavedSearch)).all()
        assert [(r.name, r.query) for r in rows] == [("pistols SEIZED", "")]
        search_id = rows[0].id
    with TestClient(node.app) as other:
        sign_in(other, "mk_analyst")
        assert "pistols SEIZED" not in other.get("/records/firearms").text
        page = other.get("/records/firearms").text
        stolen = other.post(
            f"/records/saved/{search_id}/remove", data={"csrf_token": csrf_of(page)}
        )
        assert stolen.status_code == 404
    removed = _post(analyst, f"/records/saved/{search_id}/remove", "/records/firearms", list="")
    assert removed.status_code == 200 and "Saved search removed." in removed.text
    assert "pistols SEIZED" not in removed.text


def test_a_bad_name_is_refused_with_the_filters_and_name_kept(node, analyst) -> None:
    long_name = "x" * 101
    refused = _post(
        analyst, "/records/firearms/saved", "/records/firearms", name=long_name, list="?kind=rifle"
    )
    assert refused.status_code == 422 and "a name of 1 to 100 characters" in refused.text
    assert 'value="rifle" selected' in refused.text and f'value="{long_name}"' in refused.text


def test_saved_after_an_edit_and_a_forged_notice_shows_nothing(node, analyst) -> None:
    url = f"/records/vehicles/{node.ids['vehicle']}"
    form = analyst.get(f"{url}/edit").text
    done = analyst.post(
        f"{url}/edit",
        data={"csrf_token": csrf_of(form), "make": "Passat", "plate_raw": "01-234-АВ"},
    )
    assert done.status_code == 200 and '<p class="notice ok" role="status"' in done.text
    assert "Saved." in done.text and "Passat" in done.text
    assert 'id="page-notice"' not in analyst.get(url).text
    analyst.cookies.set(NOTICE_COOKIE, "<script>alert(1)</script>:1")
    assert 'id="page-notice"' not in analyst.get(url).text
