"""Information requests in one store (both engines): states, clocks, partial answers, refusals.

The store is node XK; request_helpers hands each message XK queues for MK back to this store's
handlers as though MK had sent it, so the owner's and the asker's rows live side by side.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from request_helpers import T0, hand_over, last_message, seed, setup_node, user
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.principal import node_principal
from armsbridge.errors import NotFound, PermissionDenied, UserError
from armsbridge.exchange import request_answers as answers
from armsbridge.exchange import request_received as arrived
from armsbridge.exchange import requests
from armsbridge.exchange.request_models import InfoRequest
from armsbridge.exchange.sharing import Conditions, Item
from armsbridge.records.models import Link, Person, Provenance
from armsbridge.records.reading import readable
from armsbridge.records.service import create_record


@pytest.fixture
def world(session, node_keys):  # noqa: ANN001, ANN201
    """Node XK, peer MK, an investigator who asks, an analyst who answers, an auditor."""
    setup_node(session, node_keys)
    return {
        "asker": user(session, "ina_inv", "investigator"),
        "answerer": user(session, "ana_analyst", "analyst"),
        "auditor": user(session, "aud_auditor", "auditor"),
    }


def _ask(session, world, ref: str, urgency: str = "normal", **kw) -> InfoRequest:  # noqa: ANN001
    return requests.create_request(
        session,
        user=world["asker"],
        peer_name="MK",
        subjects=[{"type": "person", "ref": ref}],
        description=kw.pop("description", None),
        justification="case 2026/114: pistols converted from blank-firing",
        urgency=urgency,
        now=T0,
        **kw,
    )


def _owner_row(session, ref: str) -> InfoRequest:  # noqa: ANN001
    return session.scalar(
        select(InfoRequest).where(InfoRequest.side == "owner", InfoRequest.ref == ref)
    )


@pytest.mark.parametrize(
    ("urgency", "limit"),
    [
        ("urgent-direct", timedelta(hours=8)),
        ("urgent", timedelta(days=3)),
        ("normal", timedelta(days=7)),
    ],
)
def test_due_time_counts_from_receipt(session, world, urgency, limit) -> None:  # noqa: ANN001
    asked = _ask(session, world, "hnotthere", urgency)
    received_at = T0 + timedelta(minutes=7)
    hand_over(session, last_message(session, "request"), now=received_at)
    row = _owner_row(session, asked.ref)
    assert row.due_at.replace(tzinfo=None) == (received_at + limit).replace(tzinfo=None)
    queue = requests.list_requests(
        session,
        user=world["answerer"],
        side="owner",
        now=received_at + limit - timedelta(minutes=1),
    )
    (view,) = [v for v in queue if v.row.ref == asked.ref]
    assert view.clock is not None and not view.clock.overdue and view.clock.text() == "1 min left"
    late = requests.list_requests(
        session, user=world["answerer"], side="owner", now=received_at + limit + timedelta(hours=1)
    )
    (view,) = [v for v in late if v.row.ref == asked.ref]
    assert view.clock.overdue and view.clock.text().startswith("overdue by 1 h")
    assert view.as_dict()["overdue"] is True


def test_asker_row_goes_queued_delivered_answered(session, world) -> None:  # noqa: ANN001
    person_id, phone_id, ref = seed(session, "Bajrami-" + uuid.uuid4().hex[:6])
    asked = _ask(session, world, ref, "urgent")

    def mine():  # noqa: ANN202
        return requests.get_request(
            session, user=world["asker"], ref=asked.ref, side="asker", now=T0
        )

    assert mine().state == "queued" and mine().clock.text() == "3 d 0 h left"
    hand_over(session, last_message(session, "request"))
    assert mine().state == "delivered"
    offered = answers.candidates(session, user=world["answerer"], ref=asked.ref)
    assert {(c.record_type, c.record_id, c.referenced) for c in offered} == {
        ("person", person_id, True),
        ("phone", phone_id, False),
    }
    answers.approve(
        session,
        user=world["answerer"],
        ref=asked.ref,
        items=[Item("person", person_id), Item("phone", phone_id)],
        conditions=Conditions("H1", None, "B", "2"),
        now=T0,
    )
    assert _owner_row(session, asked.ref).state == "answered"
    hand_over(session, last_message(session, "records"))
    hand_over(session, last_message(session, "request-answer"))
    assert mine().state == "answered" and mine().clock is None
    received = arrived.received_records(session, user=world["asker"], ref=asked.ref)
    assert sorted(r.record_type for r in received) == ["person", "phone"]
    assert {r.marking.grades for r in received} == {"B2"}
    assert requests.request_counts(session)["answered"] >= 1


def test_partial_answer_sends_only_chosen_fields_and_records(session, world) -> None:  # noqa: ANN001
    family = "Krasniqi-" + uuid.uuid4().hex[:6]
    person_id, phone_id, ref = seed(session, family)
    case = create_record(
        session,
        record_type="case",
        data={"reference": "XK-2026-114", "title": "Converted pistols", "kind": "trafficking"},
        user=node_principal("XK", purpose="test"),
    )
    asked = _ask(session, world, ref, case_id=case.id)
    hand_over(session, last_message(session, "request"))
    answers.approve(
        session,
        user=world["answerer"],
        ref=asked.ref,
        items=[Item("person", person_id, ("given_name", "family_name", "birth_date"))],
        conditions=Conditions("H2", None, "A", "1"),
        now=T0,
    )
    assert _owner_row(session, asked.ref).state == "partly"
    hand_over(session, last_message(session, "records"))
    hand_over(session, last_message(session, "request-answer"))
    view = requests.get_request(session, user=world["asker"], ref=asked.ref, side="asker")
    assert view.state == "partly"
    prov = session.scalars(select(Provenance).where(Provenance.request_ref == asked.ref)).all()
    assert [p.record_type for p in prov] == ["person"]  # the phone was not chosen
    copy = session.get(Person, prov[0].record_id)
    assert copy.family_name == family and copy.jurisdiction == "MK"
    assert copy.birth_place is None  # a field not chosen does not arrive
    # H2: the requester sees it (a grant), another analyst of the service does not.
    assert (
        session.scalar(readable("person", world["asker"]).where(Person.id == copy.id)) is not None
    )
    assert session.scalar(readable("person", world["answerer"]).where(Person.id == copy.id)) is None
    (received,) = arrived.received_records(session, user=world["asker"], ref=asked.ref)
    assert received.marking.handling_code == "H2" and received.marking.grades == "A1"
    # Linked to the request's case.
    link = session.scalar(
        select(Link).where(
            Link.from_type == "person", Link.from_id == copy.id, Link.to_type == "case"
        )
    )
    assert link is not None and link.to_id == case.id


def test_refusal_gives_reasons_to_the_asker(session, world) -> None:  # noqa: ANN001
    _, _, ref = seed(session, "Hoxha-" + uuid.uuid4().hex[:6])
    asked = _ask(session, world, ref)
    hand_over(session, last_message(session, "request"))
    with pytest.raises(UserError, match="reasons"):
        answers.refuse(session, user=world["answerer"], ref=asked.ref, reason="  ")
    answers.refuse(
        session,
        user=world["answerer"],
        ref=asked.ref,
        reason="the case is under judicial secrecy",
        now=T0,
    )
    hand_over(session, last_message(session, "request-answer"))
    view = requests.get_request(session, user=world["asker"], ref=asked.ref, side="asker")
    assert (view.state, view.reason) == ("refused", "the case is under judicial secrecy")
    with pytest.raises(Exception, match="already answered"):
        answers.refuse(session, user=world["answerer"], ref=asked.ref, reason="again")


def test_permissions(session, world) -> None:  # noqa: ANN001
    person_id, _, ref = seed(session, "Berisha-" + uuid.uuid4().hex[:6])
    asked = _ask(session, world, ref)
    hand_over(session, last_message(session, "request"))
    with pytest.raises(PermissionDenied):
        answers.approve(
            session,
            user=world["auditor"],
            ref=asked.ref,
            items=[Item("person", person_id)],
            conditions=Conditions(),
        )
    with pytest.raises(PermissionDenied):
        answers.refuse(session, user=world["asker"], ref=asked.ref, reason="not mine to refuse")
    with pytest.raises(PermissionDenied):
        requests.create_request(
            session,
            user=world["auditor"],
            peer_name="MK",
            subjects=None,
            description="x",
            justification="y",
            urgency="normal",
        )
    # A record the approver may not read cannot go, not even in answer to a free description.
    other = create_record(
        session,
        record_type="person",
        data={"given_name": "Other", "family_name": "Service", "jurisdiction": "MK"},
        user=node_principal("MK", purpose="test"),
    )
    free = requests.create_request(
        session,
        user=world["asker"],
        peer_name="MK",
        subjects=None,
        description="anyone selling Zastava M70 in Tetovo",
        justification="case 2026/9",
        urgency="normal",
    )
    hand_over(session, last_message(session, "request"))
    with pytest.raises(NotFound):
        answers.approve(
            session,
            user=world["answerer"],
            ref=free.ref,
            items=[Item("person", other.id)],
            conditions=Conditions(),
        )
    # A request naming records: only those and records linked to them may be sent.
    loose = create_record(
        session,
        record_type="person",
        data={"given_name": "Loose", "family_name": "Record"},
        user=node_principal("XK", purpose="test"),
    )
    with pytest.raises(UserError, match="not named"):
        answers.approve(
            session,
            user=world["answerer"],
            ref=asked.ref,
            items=[Item("person", loose.id)],
            conditions=Conditions(),
        )
    # Requesters see their own requests; justification is required.
    assert requests.list_requests(session, user=world["asker"], side="asker")
    with pytest.raises(UserError, match="justification"):
        requests.create_request(
            session,
            user=world["asker"],
            peer_name="MK",
            subjects=None,
            description="x",
            justification=" ",
            urgency="normal",
        )


def test_both_sides_audit(session, world) -> None:  # noqa: ANN001
    person_id, _, ref = seed(session, "Gashi-" + uuid.uuid4().hex[:6])
    asked = _ask(session, world, ref, "urgent-direct")
    hand_over(session, last_message(session, "request"))
    answers.approve(
        session,
        user=world["answerer"],
        ref=asked.ref,
        items=[Item("person", person_id)],
        conditions=Conditions("H0"),
        now=T0,
    )
    hand_over(session, last_message(session, "records"))
    hand_over(session, last_message(session, "request-answer"))
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    ours = [e for e in entries if (e.details or {}).get("request") == asked.ref]
    kinds = [(e.actor, e.action, e.details.get("exchange")) for e in ours]
    assert ("ina_inv", "disclose", "request-sent") in kinds  # asker: who, what, why
    assert ("peer:MK", "import", "request-received") in kinds  # owner: the request arrived
    assert ("ana_analyst", "disclose", None) in kinds  # owner: each record disclosed
    assert ("ana_analyst", "disclose", "request-partly") in kinds  # the phone stayed home
    assert ("peer:MK", "import", "request-partly") in kinds  # asker: the answer arrived
    sent = next(e for e in ours if e.details.get("exchange") == "request-sent")
    assert sent.why.startswith("case 2026/114")
    consulted = [
        e
        for e in entries
        if e.actor == "ana_analyst" and e.action == "consult" and e.record_id == person_id
    ]
    assert consulted and asked.ref in consulted[-1].why  # the owner read her record, logged


def test_spontaneous_share_arrives_as_received(session, world) -> None:  # noqa: ANN001
    person_id, _, _ = seed(session, "Rexhepi-" + uuid.uuid4().hex[:6])
    sent = answers.share_spontaneously(
        session,
        user=world["answerer"],
        peer_name="MK",
        items=[Item("person", person_id, ("given_name", "family_name"))],
        conditions=Conditions("H1", None, "B", "3"),
        purpose="alert: vehicle seen at Jazhince with rifles",
        now=T0,
    )
    assert (sent.kind, sent.side, sent.state) == ("spontaneous", "owner", "sent")
    hand_over(session, last_message(session, "records"))
    (row,) = requests.list_requests(
        session, user=world["answerer"], side="asker", kind="spontaneous"
    )
    assert row.row.state == "received" and row.row.justification.startswith("alert")
    (record,) = arrived.received_records(session, user=world["answerer"], ref=row.row.ref)
    assert record.marking.grades == "B3"
