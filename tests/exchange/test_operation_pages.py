"""Joint-operation pages: the list and invitation form, one operation's page and its buttons,
refused to roles without operation.read / operation.manage."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from nacl.signing import SigningKey
from sqlalchemy import select
from test_operations import _from_mk, _mk_event

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.grants import add_case_member
from armsbridge.exchange import operation_receive, operations, service, sharing
from armsbridge.exchange.handlers import handler_for
from armsbridge.exchange.identity import KeyPair
from armsbridge.exchange.operation_models import LiveOperation
from armsbridge.records.models import Provenance
from armsbridge.records.service import create_record
from principals import as_actor


def _node(session, node_keys):  # noqa: ANN001, ANN202
    service.init_node(
        session, settings=node_keys, jurisdiction="XK", name="Kosovo Police", url=None, actor="t"
    )
    return service.add_peer(
        session,
        name="MK",
        jurisdiction="MK",
        url="http://mk.invalid",
        public_key=KeyPair(SigningKey.generate()).public_b64,
        fingerprint=None,
        actor="t",
    )


def _accepted(client, session, peer, analyst, *, n: int, code: str, handling: str):  # noqa: ANN001, ANN202
    """An operation MK invited XK to, accepted by the analyst with a new case of theirs."""
    case = create_record(
        session,
        record_type="case",
        data={"reference": f"XK-{code}", "kind": "trafficking"},
        user=as_actor("setup"),
    )
    terms = {
        "op_id": f"0f6c2d1e-0000-4000-8000-{n:012d}",
        "code": code,
        "title": "t",
        "purpose": "p",
        "handling_code": handling,
        "initiator": "MK",
        "partner": "XK",
    }
    _from_mk(session, peer, operations.INVITE, {"operation": terms, "event": _mk_event("invited")})
    url = f"/operations/{terms['op_id']}"
    client.post(f"{url}/accept", headers=analyst, data={"case_id": str(case.id)})
    return case, terms, url


def test_operation_pages_from_invitation_to_closed_part(client, session, token, node_keys) -> None:  # noqa: ANN001
    peer = _node(session, node_keys)
    analyst = token("analyst")
    page = client.get("/operations", headers=analyst)
    assert page.status_code == 200 and 'id="invite-form"' in page.text
    answer = client.post(
        "/operations",
        headers=analyst,
        data={
            "peer": "MK",
            "code": "JIO-PAGE-1",
            "title": "Blank pistols from Türkiye",
            "purpose": "find the converters",
            "handling_code": "H2",
            "starts_on": "2022-11-01",
            "new_case": "XK-PAGE-1",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    url = answer.headers["location"]
    op_id = url.rsplit("/", 1)[-1]
    html = client.get(url, headers=analyst).text
    assert "JIO-PAGE-1" in html and 'id="operation-code"' in html and ">H2<" in html
    assert 'id="task-form"' not in html  # not accepted yet
    assert "JIO-PAGE-1" in client.get("/operations", headers=analyst).text
    assert handler_for(operations.ACCEPT) is not None
    accept = {"op_id": op_id, "agency": "MoI", "event": _mk_event("accepted")}
    _from_mk(session, peer, operations.ACCEPT, accept)
    html = client.get(url, headers=analyst).text
    assert 'id="task-form"' in html and 'id="note-form"' in html and 'id="close-form"' in html
    data = {"title": "Check the Ekol serials", "assignee": "MK", "due_on": "2022-11-20"}
    assert client.post(f"{url}/tasks", headers=analyst, data=data).status_code == 200
    client.post(f"{url}/notes", headers=analyst, data={"text": "courier on the Blace line"})
    html = client.get(url, headers=analyst).text
    assert "Check the Ekol serials" in html and "courier on the Blace line" in html
    (task_id,) = re.findall(rf"{url}/tasks/([0-9a-f-]+)/done", html)
    client.post(f"{url}/tasks/{task_id}/done", headers=analyst, data={"done": "1"})
    html = client.get(url, headers=analyst).text
    assert "Marked a task done" in html and "Reopen" in html
    timeline = html.split('id="operation-timeline"')[1]
    assert timeline.index("Marked a task done") < timeline.index("Invited the other service")
    person = create_record(
        session, record_type="person", data={"family_name": "Gashi"}, user=as_actor("setup")
    )
    shared = client.post(
        f"{url}/records",
        headers=analyst,
        data={"record_type": "person", "record_ids": str(person.id), "source_grade": "B"},
    )
    assert shared.status_code == 200, shared.text
    html = client.get(url, headers=analyst).text
    assert "Gashi" in html and "our record, shared" in html
    bad = client.post(f"{url}/records", headers=analyst, data={"record_type": "person",
                                                               "record_ids": "x"})  # fmt: skip
    assert bad.status_code == 400 and "record numbers" in bad.text
    client.post(f"{url}/close", headers=analyst, data={"reason": "done", "results": "3 seized"})
    op = session.scalar(select(LiveOperation).where(LiveOperation.op_id == op_id))
    assert op.state == "closed-by-XK"
    html = client.get(url, headers=analyst).text
    assert 'id="note-form"' not in html and "closed by XK" in html
    late = client.post(f"{url}/notes", headers=analyst, data={"text": "late"})
    assert late.status_code == 409 and "closed its part" in late.text


def test_an_invitation_is_answered_on_its_page(client, session, token, node_keys) -> None:  # noqa: ANN001
    peer = _node(session, node_keys)
    terms = {
        "op_id": "0f6c2d1e-0000-4000-8000-000000000001",
        "code": "JIO-MK-PAGE",
        "title": "Parcels of blank pistols",
        "purpose": "trace the parcels",
        "handling_code": "H1",
        "initiator": "MK",
        "partner": "XK",
    }
    _from_mk(session, peer, operations.INVITE, {"operation": terms, "event": _mk_event("invited")})
    analyst = token("analyst")
    listing = client.get("/operations", headers=analyst).text
    assert 'id="operation-invitations"' in listing and "JIO-MK-PAGE" in listing
    url = f"/operations/{terms['op_id']}"
    assert 'id="operation-answer"' in client.get(url, headers=analyst).text
    case = create_record(
        session,
        record_type="case",
        data={"reference": "XK-OLD-1", "kind": "trafficking"},
        user=as_actor("setup"),
    )
    assert (
        client.post(f"{url}/accept", headers=analyst, data={"case_id": str(case.id)}).status_code
        == 200
    )
    html = client.get(url, headers=analyst).text
    assert 'id="operation-case"' in html and "XK-OLD-1" in html and "operation-answer" not in html
    assert datetime.now(UTC)  # the page rendered times without a formatter of its own


def test_roles_without_operations_are_refused(client, session, token, node_keys) -> None:  # noqa: ANN001
    _node(session, node_keys)
    for role in ("border_officer", "programme_officer", "auditor", "administrator"):
        headers = token(role)
        assert client.get("/operations", headers=headers).status_code == 403, role
        assert client.get("/operations/x", headers=headers).status_code == 403, role
        form = {"peer": "MK", "code": "C", "title": "t", "purpose": "p", "handling_code": "H0"}
        assert client.post("/operations", headers=headers, data=form).status_code == 403, role


def test_h2_records_of_the_operation_show_to_members_of_its_case(
    client, session, token, node_keys
) -> None:  # noqa: ANN001
    peer = _node(session, node_keys)
    analyst = token("analyst")
    case, terms, url = _accepted(
        client, session, peer, analyst, n=2, code="JIO-H2-PAGE", handling="H2"
    )
    person = create_record(
        session,
        record_type="person",
        data={"family_name": "Петровски", "jurisdiction": "MK", "handling_code": "H2"},
        user=as_actor("exchange", "MK"),
    )
    session.add(
        Provenance(
            record_type="person",
            record_id=person.id,
            remote_ref="r-h2-page",
            held_by="XK",
            provider="MK",
            message_id="m-h2-page",
            received_at=datetime.now(UTC),
            handling_code="H2",
            source_grade="B",
            information_grade="2",
        )
    )
    share = {"id": "s-h2-page", "operation": terms["op_id"], "handling_code": "H2"}
    operation_receive._records_received(
        session, sharing.Stored(share=share, provider="MK", records=[("person", person.id, True)])
    )
    html = client.get(url, headers=analyst).text
    assert "Петровски" not in html and "not visible to you" in html
    add_case_member(session, case_id=case.id, username="analyst_xk", actor="admin")
    html = client.get(url, headers=analyst).text
    assert "Петровски" in html and "not to be disseminated further" in html and ">B2<" in html
    consulted = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "consult", AuditEntry.actor == "analyst_xk")
    ).all()
    assert any((e.details or {}).get("operation") == terms["op_id"] for e in consulted)
    assert any(e.why == "joint operation JIO-H2-PAGE" for e in consulted)


def test_the_work_of_an_operation_in_a_restricted_case_is_its_members_only(
    client, session, token, node_keys
) -> None:  # noqa: ANN001
    peer = _node(session, node_keys)
    analyst = token("analyst")
    case, _, url = _accepted(
        client, session, peer, analyst, n=3, code="JIO-RESTRICTED", handling="H1"
    )
    client.post(f"{url}/notes", headers=analyst, data={"text": "informant meets at the pump"})
    assert "informant meets at the pump" in client.get(url, headers=analyst).text
    case.restricted = True
    session.flush()
    html = client.get(url, headers=analyst).text
    assert "informant meets at the pump" not in html and 'id="work-hidden"' in html
    refused = client.post(f"{url}/notes", headers=analyst, data={"text": "more"})
    assert refused.status_code == 403 and "members of its case" in refused.text
    add_case_member(session, case_id=case.id, username="analyst_xk", actor="admin")
    html = client.get(url, headers=analyst).text
    assert "informant meets at the pump" in html and 'id="work-hidden"' not in html
