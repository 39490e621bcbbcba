"""Joint operations on one node (SQLite and PostgreSQL): the peer's messages are handed to the
handlers as the inbox would, so the state machine, the checks of both sides and the reporting row
are tested without a second process (tests/exchange/test_operation_nodes.py runs two)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.principal import Principal
from armsbridge.capacity.models import JointOperation
from armsbridge.errors import Conflict, PermissionDenied
from armsbridge.exchange import operation_receive, operation_work, operations, sharing
from armsbridge.exchange.envelope import Envelope
from armsbridge.exchange.handlers import HandlerRefused, Received
from armsbridge.exchange.models import OutboxMessage
from armsbridge.exchange.operation_models import OperationItem, OperationRecord
from armsbridge.indicators import sources
from armsbridge.records.models import Link
from armsbridge.records.service import create_record
from principals import as_actor

ANALYST = Principal(id=990101, username="xk-analyst", role="analyst", jurisdiction="XK")


def _from_mk(session, peer, kind: str, body: dict) -> dict:  # noqa: ANN001
    """Apply a message of MK to this node as the inbox does (its handler, in this transaction)."""
    from armsbridge.exchange.handlers import handler_for

    envelope = Envelope(
        version=1,
        message_id=str(uuid.uuid4()),
        sender="MK",
        recipient="XK",
        sent_at=datetime.now(UTC),
        nonce=uuid.uuid4().hex,
        kind=kind,
        body=body,
        signature="",
        signed_bytes=b"",
    )
    received = Received(envelope, peer, peer.public_key, datetime.now(UTC), None)  # type: ignore[arg-type]
    handler = handler_for(kind)
    assert handler is not None and operation_receive is not None
    return handler(session, received) or {}


def _mk_event(action: str, **detail) -> dict:  # noqa: ANN003
    return operations.event("MK", "mk-analyst", action, datetime.now(UTC), **detail)


def _outbox(session, kind: str) -> list[OutboxMessage]:  # noqa: ANN001
    stmt = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    return list(session.scalars(stmt))


def _invite(session, code: str = "JIO-T-1", handling: str = "H2"):  # noqa: ANN001, ANN202
    return operations.invite(
        session,
        user=ANALYST,
        peer="MK",
        code=code,
        title="Converted pistols on the Skopje route",
        purpose="find the group converting Zoraki pistols",
        handling_code=handling,
        starts_on="2022-11-01",
        ends_on="2022-12-20",
        new_case="XK-2022-JIO",
    )


def _accepted(session, peer):  # noqa: ANN001, ANN202
    op = _invite(session)
    accept = {"op_id": op.op_id, "agency": "MoI North Macedonia", "event": _mk_event("accepted")}
    _from_mk(session, peer, operations.ACCEPT, accept)
    return op


def test_invite_waits_for_the_answer_then_reports_once_accepted(session, xk) -> None:  # noqa: ANN001
    op = _invite(session)
    assert (op.state, op.initiator, op.partner, op.handling_code) == ("invited", "XK", "MK", "H2")
    (sent,) = _outbox(session, operations.INVITE)
    assert sent.body["operation"]["code"] == "JIO-T-1" and sent.body["event"]["side"] == "XK"
    assert op.reporting_id is None  # an invitation is not yet a joint operation
    with pytest.raises(Conflict, match="not accepted yet"):
        operation_work.add_note(session, user=ANALYST, op_id=op.op_id, text="too early")
    with pytest.raises(PermissionDenied, match="the peer answers"):
        operations.accept(session, user=ANALYST, op_id=op.op_id, new_case="XK-2")
    with pytest.raises(Conflict, match="exists"):
        _invite(session)
    accept = {"op_id": op.op_id, "agency": "MoI North Macedonia", "event": _mk_event("accepted")}
    _from_mk(session, xk, operations.ACCEPT, accept)
    assert op.state == "active"
    row = session.get(JointOperation, op.reporting_id)
    assert (row.code, row.jurisdiction, row.started_on.isoformat()) == (
        "JIO-T-1",
        "XK",
        "2022-11-01",
    )
    assert row.agencies == ["Kosovo Police", "MoI North Macedonia"]
    with pytest.raises(HandlerRefused, match="active"):
        _from_mk(session, xk, operations.ACCEPT, accept)  # answered already
    events = operation_work.items_of(session, op, "event", user=ANALYST)
    timeline = [i.body["action"] for i in events]
    assert timeline == ["accepted", "invited"]  # newest first
    steps = session.scalars(
        select(AuditEntry.details).where(AuditEntry.action.in_(("create", "import")))
    ).all()
    assert {"invite", "accepted"} <= {(d or {}).get("step") for d in steps}


def test_an_invitation_received_is_accepted_with_a_new_case(session, xk) -> None:  # noqa: ANN001
    op_id = str(uuid.uuid4())
    terms = {
        "op_id": op_id,
        "code": "JIO-MK-7",
        "title": "Blank pistols by parcel",
        "purpose": "trace the parcels",
        "handling_code": "H3",
        "restriction": "not for court without asking",
        "starts_on": "2022-11-01",
        "ends_on": None,
        "initiator": "MK",
        "partner": "XK",
    }
    body = {"operation": terms, "agency": "MoI North Macedonia", "event": _mk_event("invited")}
    _from_mk(session, xk, operations.INVITE, body)
    op = operations.get_operation(session, op_id)
    assert (op.state, op.initiator, op.restriction) == (
        "invited",
        "MK",
        "not for court without asking",
    )
    assert op in operations.list_operations(session)
    with pytest.raises(HandlerRefused, match="already here"):
        _from_mk(session, xk, operations.INVITE, body)
    operations.accept(session, user=ANALYST, op_id=op_id, new_case="XK-JIO-MK-7")
    assert op.state == "active" and op.case_id is not None
    (answer,) = _outbox(session, operations.ACCEPT)
    assert answer.body["op_id"] == op_id
    assert session.get(JointOperation, op.reporting_id).code == "JIO-MK-7"


def test_decline_gives_a_reason_and_ends_the_invitation(session, xk) -> None:  # noqa: ANN001
    op_id = str(uuid.uuid4())
    terms = {
        "op_id": op_id,
        "code": "JIO-MK-8",
        "title": "t",
        "purpose": "p",
        "handling_code": "H0",
        "initiator": "MK",
        "partner": "XK",
    }
    _from_mk(session, xk, operations.INVITE, {"operation": terms, "event": _mk_event("invited")})
    with pytest.raises(Exception, match="reason"):
        operations.decline(session, user=ANALYST, op_id=op_id, reason=" ")
    op = operations.decline(session, user=ANALYST, op_id=op_id, reason="no capacity in December")
    assert (op.state, op.reporting_id) == ("declined", None)
    assert _outbox(session, operations.DECLINE)[0].body["reason"] == "no capacity in December"
    with pytest.raises(Conflict):
        operations.accept(session, user=ANALYST, op_id=op_id, new_case="X")


def test_an_item_sent_again_replaces_it(session, xk) -> None:  # noqa: ANN001
    op = _accepted(session, xk)
    task = operation_work.add_task(
        session, user=ANALYST, op_id=op.op_id, title="Check the Zoraki serials", assignee="mk"
    )
    operation_work.set_task_done(session, user=ANALYST, op_id=op.op_id, item_id=task.item_id)
    sent = [m.body["item"] for m in _outbox(session, operations.ITEM)]
    copies = [i for i in sent if i["item_id"] == task.item_id]
    assert [c["version"] for c in copies] == [1, 2] and copies[-1]["body"]["done"] is True
    # MK's note, sent twice (a retry) and then corrected: one row, the newest text.
    note = {
        "item_id": str(uuid.uuid4()),
        "kind": "note",
        "side": "MK",
        "author": "mk-analyst",
        "at": datetime.now(UTC).isoformat(),
        "body": {"text": "the courier uses a white Golf"},
        "version": 1,
    }
    for version, text in ((1, "the courier uses a white Golf"), (1, "dup"), (2, "a grey Golf")):
        body = {**note, "version": version, "body": {"text": text}}
        _from_mk(session, xk, operations.ITEM, {"op_id": op.op_id, "item": body})
    _from_mk(session, xk, operations.ITEM, {"op_id": op.op_id, "item": {**note, "version": 1}})
    rows = session.scalars(
        select(OperationItem).where(OperationItem.item_id == note["item_id"])
    ).all()
    assert len(rows) == 1 and rows[0].body["text"] == "a grey Golf" and rows[0].version == 2
    # MK may mark XK's task done (the task is both sides'), but not rewrite XK's note.
    done = {**copies[0], "version": 3, "body": {**copies[0]["body"], "done": True}}
    _from_mk(session, xk, operations.ITEM, {"op_id": op.op_id, "item": done})
    mine = operation_work.add_note(session, user=ANALYST, op_id=op.op_id, text="ours")
    forged = {**operations.item_dict(mine), "side": "MK", "version": 5}
    with pytest.raises(HandlerRefused):
        _from_mk(session, xk, operations.ITEM, {"op_id": op.op_id, "item": forged})
    assert len(operation_work.items_of(session, op, "task", user=ANALYST)) == 1


def test_a_closed_part_refuses_contributions_on_both_sides(session, xk) -> None:  # noqa: ANN001
    op = _accepted(session, xk)
    operations.close_part(
        session, user=ANALYST, op_id=op.op_id, reason="arrests made", results="3 arrests"
    )
    assert op.state == "closed-by-XK"
    with pytest.raises(Conflict, match="XK closed its part"):
        operation_work.add_note(session, user=ANALYST, op_id=op.op_id, text="late")
    with pytest.raises(Conflict):
        operations.close_part(session, user=ANALYST, op_id=op.op_id, reason="again")
    # MK's part is still open: its note is taken.
    note = _mk_event("note")
    note.update(kind="note", body={"text": "still searching"})
    _from_mk(session, xk, operations.ITEM, {"op_id": op.op_id, "item": note})
    closure = {"at": datetime.now(UTC).isoformat(), "by": "mk-analyst", "reason": "done",
               "results": "12 pistols seized"}  # fmt: skip
    close = {"op_id": op.op_id, "closure": closure, "event": _mk_event("closed")}
    _from_mk(session, xk, operations.CLOSE, close)
    assert op.state == "closed"
    late = _mk_event("note")
    late.update(kind="note", body={"text": "after the end"})
    with pytest.raises(HandlerRefused, match="closed"):
        _from_mk(session, xk, operations.ITEM, {"op_id": op.op_id, "item": late})
    row = session.get(JointOperation, op.reporting_id)
    assert row.results == "XK: 3 arrests\nMK: 12 pistols seized"
    assert row.ended_on == datetime.now(UTC).date()


def test_indicators_count_the_operation_once_per_programme(session, xk) -> None:  # noqa: ANN001
    op = _accepted(session, xk)
    # MK's node holds its own reporting row of the same code (here: as imported into one store).
    create_record(
        session,
        record_type="joint_operation",
        data={
            "code": op.code,
            "title": op.title,
            "kind": "joint_investigation",
            "jurisdiction": "MK",
            "external_ref": op.code,
        },  # fmt: skip
        user=as_actor("setup", "MK"),
    )
    rows = [r for r in sources.joint_operations(session, None) if r["operation"] == op.code]
    assert len(rows) == 2 and len({r["operation"] for r in rows}) == 1


def test_records_received_join_the_operation_and_its_case(session, xk) -> None:  # noqa: ANN001
    op = _accepted(session, xk)
    person = create_record(
        session,
        record_type="person",
        data={"family_name": "Bajrami", "jurisdiction": "MK", "handling_code": "H2"},
        user=as_actor("exchange", "MK"),
    )
    share = {"id": str(uuid.uuid4()), "operation": op.op_id, "handling_code": "H2"}
    stored = sharing.Stored(share=share, provider="MK", records=[("person", person.id, True)])
    operation_receive._records_received(session, stored)
    (tied,) = operation_work.records_of(session, op, user=ANALYST)
    assert (tied.record_type, tied.record_id, tied.side) == ("person", person.id, "MK")
    link = session.scalar(select(Link).where(Link.to_type == "person", Link.to_id == person.id))
    assert (link.from_type, link.from_id, link.jurisdiction) == ("case", op.case_id, "XK")
    wrong = sharing.Stored(share={**share, "handling_code": "H1"}, provider="MK", records=[])
    with pytest.raises(HandlerRefused, match="shares under H2"):
        operation_receive._records_received(session, wrong)
    count = select(func.count()).select_from(OperationRecord)
    before = session.scalar(count)
    operation_receive._records_received(session, stored)  # an update of the same record
    assert session.scalar(count) == before


def test_roles_without_the_case_cannot_start_an_operation(session, xk) -> None:  # noqa: ANN001
    officer = Principal(id=990102, username="po", role="programme_officer", jurisdiction="XK")
    with pytest.raises(PermissionDenied):
        operations.invite(
            session,
            user=officer,
            peer="MK",
            code="JIO-PO",
            title="t",
            purpose="p",
            handling_code="H0",
            new_case="XK-PO",
        )
    with pytest.raises(Exception, match="H3 needs"):
        operations.invite(
            session, user=ANALYST, peer="MK", code="JIO-H3", title="t", purpose="p",
            handling_code="H3", new_case="XK-H3",
        )  # fmt: skip
