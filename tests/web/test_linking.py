"""Linking records in the browser: find the other record across scripts, link it, unlink it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.records.models import Link

from .conftest import csrf_of, sign_in

WHY = "case XK-2026-001: who else was there"


def _links(node, **where) -> list[Link]:  # noqa: ANN001, ANN003
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        rows = s.scalars(select(Link).filter_by(**where)).all()
        s.expunge_all()
        return list(rows)


def _audit(node, action: str, record_type: str) -> list[AuditEntry]:  # noqa: ANN001
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        rows = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == action, AuditEntry.record_type == record_type
            )
        ).all()
        s.expunge_all()
        return list(rows)


def _link_page(client: TestClient, node, **params: str) -> str:  # noqa: ANN001
    page = client.get(f"/records/cases/{node.ids['case']}/links/new", params=params)
    assert page.status_code == 200, page.text
    return page.text


def test_a_person_found_in_latin_is_linked_to_the_case_and_shown_on_both_pages(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    # "Đorđe Đorđević" is stored in Latin with diacritics; the analyst types it in Cyrillic.
    page = _link_page(analyst, node, type="person", q="Ђорђе Ђорђевић", why=WHY)
    assert "Đorđe Đorđević" in page
    target = f"person:{node.ids['other']}"
    assert f'value="{target}"' in page
    done = analyst.post(
        f"/records/cases/{node.ids['case']}/links/new",
        data={
            "csrf_token": csrf_of(page),
            "to": target,
            "kind": "involved_in",
            "direction": "in",
            "role": "witness",
            "valid_from": "2026-03",
            "type": "person",
            "q": "Ђорђе Ђорђевић",
            "why": WHY,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"].endswith(f"/records/cases/{node.ids['case']}#links-h")
    [link] = _links(node, kind="involved_in", from_id=node.ids["other"])
    assert (link.from_type, link.to_type, link.to_id) == ("person", "case", node.ids["case"])
    assert (link.role, link.valid_from, link.jurisdiction) == ("witness", "2026-03", "XK")
    assert any(e.record_id == link.id for e in _audit(node, "create", "link"))
    case_page = analyst.get(f"/records/cases/{node.ids['case']}", params={"why": WHY}).text
    assert "Đorđe Đorđević" in case_page and "Involved in" in case_page
    assert "(Witness)" in case_page and "involved_in" not in case_page
    person_page = analyst.get(f"/records/persons/{node.ids['other']}", params={"why": WHY}).text
    assert "XK-2026-001" in person_page


def test_searching_persons_needs_a_justification_and_the_search_is_logged(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    page = _link_page(analyst, node, type="person", q="Đorđević")
    assert "Give a justification to search persons or phones." in page
    assert "Đorđe Đorđević" not in page
    _link_page(analyst, node, type="person", q="Đorđević", why=WHY)
    [entry] = [
        e for e in _audit(node, "consult", "person") if "link_targets_for" in (e.details or {})
    ]
    assert entry.why == WHY and node.ids["other"] in entry.details["ids"]


def test_the_other_jurisdiction_s_records_are_never_offered(node, analyst: TestClient) -> None:  # noqa: ANN001
    page = _link_page(analyst, node, type="person", q="Bajrami", why=WHY)
    assert f"person:{node.ids['mk_person']}" not in page
    # Posted by hand, the MK person is refused with a message and nothing is linked.
    refused = analyst.post(
        f"/records/cases/{node.ids['case']}/links/new",
        data={
            "csrf_token": csrf_of(page),
            "to": f"person:{node.ids['mk_person']}",
            "kind": "involved_in",
            "direction": "in",
            "why": WHY,
        },
    )
    assert refused.status_code == 422
    assert "not yours to see" in refused.text
    assert _links(node, from_id=node.ids["mk_person"], from_type="person") == []


def test_bad_input_keeps_what_was_typed_and_says_what_to_fix(node, analyst: TestClient) -> None:  # noqa: ANN001
    page = _link_page(analyst, node, type="firearm", q="TK 7245")
    answer = analyst.post(
        f"/records/cases/{node.ids['case']}/links/new",
        data={
            "csrf_token": csrf_of(page),
            "to": f"firearm:{node.ids['firearm']}",
            "kind": "mentioned_in",
            "direction": "in",
            "confidence": "1.7",
            "valid_from": "2026-14-40",
            "source_ref": "statement of 3 March",
            "type": "firearm",
            "q": "TK 7245",
        },
    )
    assert answer.status_code == 422
    assert "Some fields need attention." in answer.text
    assert 'href="#l-confidence"' in answer.text
    assert 'value="1.7"' in answer.text and 'value="statement of 3 March"' in answer.text
    assert _links(node, kind="mentioned_in") == []
    nothing = analyst.post(
        f"/records/cases/{node.ids['case']}/links/new",
        data={"csrf_token": csrf_of(page), "kind": "mentioned_in", "type": "firearm"},
    )
    assert nothing.status_code == 422 and "pick a record" in nothing.text


def test_a_record_cannot_be_linked_to_itself_and_hostile_values_are_refused(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    page = _link_page(analyst, node)
    for to, direction in (
        (f"case:{node.ids['case']}", "out"),
        ("case:abc", "out"),
        ("secret_table:1", "out"),
        (f"firearm:{node.ids['firearm']}", "sideways"),
    ):
        answer = analyst.post(
            f"/records/cases/{node.ids['case']}/links/new",
            data={"csrf_token": csrf_of(page), "to": to, "kind": "other", "direction": direction},
        )
        assert answer.status_code == 422, (to, direction)
        assert "Traceback" not in answer.text
    bad_type = analyst.get(
        f"/records/cases/{node.ids['case']}/links/new", params={"type": "user", "q": "admin"}
    )
    assert bad_type.status_code == 422 and "not a record type you may link to" in bad_type.text


def test_the_search_box_answers_a_fragment_for_search_as_you_type(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    fragment = analyst.get(
        f"/records/cases/{node.ids['case']}/links/new",
        params={"type": "vehicle", "q": "01-234"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert fragment.text.startswith('<div id="targets"')
    assert f'value="vehicle:{node.ids["vehicle"]}"' in fragment.text


def test_unlinking_removes_the_link_from_both_pages_and_is_audited(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    [link] = _links(node, kind="owner_of", to_type="vehicle")
    # The owner is a person: shown, and so unlinkable, only with a justification.
    assert "/remove" not in analyst.get(f"/records/vehicles/{node.ids['vehicle']}").text
    page = analyst.get(f"/records/vehicles/{node.ids['vehicle']}", params={"why": WHY}).text
    assert f"/records/links/{link.id}/remove" in page
    done = analyst.post(
        f"/records/links/{link.id}/remove",
        data={"csrf_token": csrf_of(page), "back_type": "vehicle", "back_id": node.ids["vehicle"]},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].endswith(f"/records/vehicles/{node.ids['vehicle']}#links-h")
    assert _links(node, id=link.id) == []
    [erased] = [e for e in _audit(node, "erase", "link") if e.record_id == link.id]
    assert erased.why == f"unlinked on the page of vehicle {node.ids['vehicle']}"
    assert (
        "Golf"
        not in analyst.get(f"/records/persons/{node.ids['person']}", params={"why": WHY})
        .text.split("Linked records")[1]
        .split("</section>")[0]
    )


def test_a_user_of_the_other_service_cannot_unlink(node) -> None:  # noqa: ANN001
    [link] = _links(node, kind="owner_of", to_type="vehicle")
    with TestClient(node.app) as client:
        sign_in(client, "mk_analyst")
        page = client.get("/records/cases").text
        answer = client.post(
            f"/records/links/{link.id}/remove",
            data={
                "csrf_token": csrf_of(page),
                "back_type": "vehicle",
                "back_id": node.ids["vehicle"],
            },
        )
    assert answer.status_code == 404
    assert len(_links(node, id=link.id)) == 1


def test_a_role_that_may_not_link_sees_no_link_buttons(node) -> None:  # noqa: ANN001
    with TestClient(node.app) as client:
        sign_in(client, "officer")
        page = client.get(f"/records/cases/{node.ids['case']}")
        assert "Add a link" not in page.text
        assert client.get(f"/records/cases/{node.ids['case']}/links/new").status_code == 403
