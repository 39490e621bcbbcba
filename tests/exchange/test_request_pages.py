"""Request pages: the new-request form, the asker's list, the owner's queue, approve, refuse."""

from __future__ import annotations

import re
import uuid

from request_helpers import T0, hand_over, last_message, seed, setup_node
from sqlalchemy import select

from armsbridge.exchange.request_models import InfoRequest


def _row(session, side: str, ref: str) -> InfoRequest:  # noqa: ANN001
    return session.scalar(
        select(InfoRequest).where(InfoRequest.side == side, InfoRequest.ref == ref)
    )


def _ask(client, headers, ref: str, urgency: str = "normal") -> str:  # noqa: ANN001
    answer = client.post(
        "/exchange/requests",
        headers=headers,
        data={
            "peer": "MK",
            "type": "person",
            "ref": ref,
            "description": "",
            "justification": "case 2026/114",
            "urgency": urgency,
            "case_id": "",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].rsplit("/", 1)[-1]


def test_ask_queue_approve_refuse(client, session, token, node_keys) -> None:  # noqa: ANN001
    setup_node(session, node_keys)
    asker, answerer = token("investigator"), token("analyst")
    form = client.get("/exchange/requests/new?peer=MK&ref=habc123&type=person", headers=asker)
    assert form.status_code == 200
    for element in (
        'id="request-form"',
        'id="peer"',
        'id="type"',
        'id="description"',
        'id="justification"',
        'id="urgency"',
        'id="case_id"',
        'id="request-submit"',
    ):
        assert element in form.text, element
    assert 'value="habc123"' in form.text
    missing = client.post(
        "/exchange/requests",
        headers=asker,
        data={
            "peer": "MK",
            "ref": "hx",
            "type": "person",
            "justification": " ",
            "urgency": "normal",
        },
    )
    assert missing.status_code == 400 and 'id="request-error"' in missing.text

    person_id, phone_id, ref = seed(session, "Bajrami-" + uuid.uuid4().hex[:6])
    request_ref = _ask(client, asker, ref, "urgent-direct")
    page = client.get(f"/exchange/requests/{request_ref}", headers=asker)
    assert page.status_code == 200 and "queued" in page.text and 'id="request-clock"' in page.text
    listed = client.get("/exchange/requests", headers=asker)
    assert f'data-ref="{request_ref}"' in listed.text

    hand_over(session, last_message(session, "request"), now=T0)  # received days ago: overdue
    queue = client.get("/exchange/queue", headers=answerer)
    assert queue.status_code == 200 and f'data-ref="{request_ref}"' in queue.text
    assert re.search(r'class="clock overdue"[^>]*>overdue by', queue.text)
    assert client.get("/exchange/queue", headers=token("auditor")).status_code == 403
    assert client.get("/exchange/queue", headers=asker).status_code == 403

    detail = client.get(f"/exchange/queue/{request_ref}", headers=answerer)
    assert detail.status_code == 200
    for element in (
        'id="approve-form"',
        f'id="record-person-{person_id}"',
        f'id="record-phone-{phone_id}"',
        f'id="field-person-{person_id}-birth_place"',
        'id="handling_code"',
        'id="restriction"',
        'id="source_grade"',
        'id="information_grade"',
        'id="note"',
        'id="approve-submit"',
        'id="refuse-form"',
        'id="reason"',
        'id="refuse-submit"',
        "case 2026/114",
    ):
        assert element in detail.text, element
    key = f"person:{person_id}"
    data = {
        "record": [key],
        f"fields:{key}": ["given_name", "family_name"],
        f"offered:{key}": "given_name,family_name,birth_date,birth_place",
        "handling_code": "H2",
        "source_grade": "B",
        "information_grade": "2",
    }
    refused = client.post(f"/exchange/queue/{request_ref}/approve", headers=asker, data=data)
    assert refused.status_code == 403
    done = client.post(
        f"/exchange/queue/{request_ref}/approve",
        headers=answerer,
        data=data,
        follow_redirects=False,
    )
    assert done.status_code == 303
    row = _row(session, "owner", request_ref)
    assert (row.state, row.handling_code, row.records_sent) == ("partly", "H2", 1)
    records = last_message(session, "records").body["records"]
    assert [r["type"] for r in records] == ["person"]
    assert set(records[0]["fields"]) == {"given_name", "family_name"}
    assert (
        'id="answered-note"' in client.get(f"/exchange/queue/{request_ref}", headers=answerer).text
    )

    second = _ask(client, asker, ref)
    hand_over(session, last_message(session, "request"))
    no_reason = client.post(
        f"/exchange/queue/{second}/refuse", headers=answerer, data={"reason": ""}
    )
    assert no_reason.status_code == 400
    client.post(
        f"/exchange/queue/{second}/refuse", headers=answerer, data={"reason": "judicial secrecy"}
    )
    hand_over(session, last_message(session, "request-answer"))
    mine = client.get(f"/exchange/requests/{second}", headers=asker)
    assert 'id="request-reason"' in mine.text and "judicial secrecy" in mine.text
    assert client.get("/exchange", headers=answerer).text.count('id="exchange-request-counts"') == 1


def test_share_a_record_without_a_request(client, session, token, node_keys) -> None:  # noqa: ANN001
    setup_node(session, node_keys)
    analyst = token("analyst")
    person_id, _, _ = seed(session, "Rexhepi-" + uuid.uuid4().hex[:6])
    record_page = client.get(f"/records/persons/{person_id}?why=alert", headers=analyst)
    assert f'href="/exchange/share/new?type=person&amp;id={person_id}"' in record_page.text
    pick = client.get("/exchange/share/new", headers=analyst)
    assert pick.status_code == 200 and 'id="share-pick"' in pick.text
    form = client.get(f"/exchange/share/new?type=person&id={person_id}", headers=analyst)
    assert (
        'id="share-form"' in form.text
        and 'id="purpose"' in form.text
        and 'id="share-submit"' in form.text
    )
    key = f"person:{person_id}"
    sent = client.post(
        "/exchange/share",
        headers=analyst,
        follow_redirects=False,
        data={
            "type": "person",
            "id": str(person_id),
            "peer": "MK",
            f"fields:{key}": ["given_name"],
            "handling_code": "H1",
            "source_grade": "B",
            "information_grade": "3",
            "purpose": "alert: vehicle seen at the crossing",
        },
    )
    assert sent.status_code == 303
    assert last_message(session, "records").body["records"][0]["fields"] == {"given_name": "Xhafer"}
    hand_over(session, last_message(session, "records"))
    received = client.get("/exchange/received", headers=analyst)
    assert 'id="received"' in received.text and "alert: vehicle seen" in received.text
    assert client.get("/exchange/share/new", headers=token("investigator")).status_code == 403
