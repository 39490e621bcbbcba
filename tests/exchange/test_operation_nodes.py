"""A joint operation between two node processes: XK invites, MK accepts (on its CLI), MK adds a
task and shares a record, XK sees both (the record marked with the agreed code and in XK's case,
visible to the case's members only), both close their parts, and it is closed on both nodes."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.models import User
from armsbridge.auth.principal import Principal, principal_of
from armsbridge.auth.service import create_user
from armsbridge.capacity.models import JointOperation
from armsbridge.errors import Conflict
from armsbridge.exchange import operation_work, operations, patrols
from armsbridge.exchange.operation_models import LiveOperation
from armsbridge.records import handling
from armsbridge.records.models import Link, Person, Provenance
from armsbridge.records.reading import readable
from armsbridge.records.service import create_record
from exchange_nodes import wait_for

pytestmark = pytest.mark.xdist_group("exchange-nodes")


def _account(node, username: str) -> Principal:  # noqa: ANN001
    with node.store() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(
                session,
                username=username,
                password="correct horse battery",
                role="analyst",
                jurisdiction=node.jurisdiction,
            ).user
        return principal_of(user, via="cli")


def _op(node, op_id: str) -> LiveOperation | None:  # noqa: ANN001
    with node.store() as session:
        op = session.scalar(select(LiveOperation).where(LiveOperation.op_id == op_id))
        if op is not None:
            session.expunge(op)
        return op


def _state(node, op_id: str) -> str | None:  # noqa: ANN001
    op = _op(node, op_id)
    return op.state if op else None


def test_a_joint_operation_from_invitation_to_closure(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    tag = uuid.uuid4().hex[:6]
    code = f"JIO-2022-{tag}"
    xk_user, xk_other = _account(xk, f"xk-op-{tag}"), _account(xk, f"xk-out-{tag}")
    mk_name = f"mk-op-{tag}"
    mk_user = _account(mk, mk_name)
    with xk.store() as session:
        op = operations.invite(
            session,
            user=xk_user,
            peer="MK",
            code=code,
            title="Converted firearms: the Tetovo–Prizren group",
            purpose="identify the group converting blank pistols",
            handling_code="H2",
            starts_on="2022-11-01",
            ends_on="2022-12-20",
            new_case=f"XK-JIO-{tag}",
        )
        op_id, xk_case = op.op_id, op.case_id
    started = time.monotonic()
    wait_for(lambda: _state(mk, op_id) == "invited", timeout=60)
    print(f"invitation on MK after {time.monotonic() - started:.2f} s")
    mk.cli("operation", "accept", op_id, "--new-case", f"MK-JIO-{tag}", "--user", mk_name)
    wait_for(lambda: _state(xk, op_id) == "active", timeout=60)

    with mk.store() as session:
        task = operation_work.add_task(
            session,
            user=mk_user,
            op_id=op_id,
            title="Trace the Zoraki 914 serials",
            assignee="MK",
            due_on="2022-11-15",
        )
        task_id = task.item_id
        person = create_record(
            session,
            record_type="person",
            data={"given_name": "Артан", "family_name": f"Бајрами-{tag}"},
            user=mk_user,
        )
        operation_work.share(
            session,
            user=mk_user,
            op_id=op_id,
            items=[operation_work.sharing.Item("person", person.id)],
            source_grade="B",
            information_grade="2",
        )

    def arrived() -> bool:
        with xk.store() as session:
            op = operations.get_operation(session, op_id)
            tasks = operation_work.items_of(session, op, "task", user=xk_user)
            return bool(tasks) and bool(operation_work.records_of(session, op, user=xk_user))

    started = time.monotonic()
    wait_for(arrived, timeout=60)
    print(f"MK's task and record on XK after {time.monotonic() - started:.2f} s")
    with xk.store() as session:
        op = operations.get_operation(session, op_id)
        (task,) = operation_work.items_of(session, op, "task", user=xk_user)
        assert (task.item_id, task.side, task.body["assignee"]) == (task_id, "MK", "MK")
        (shared,) = operation_work.records_of(session, op, user=xk_user)
        prov = session.scalar(
            select(Provenance).where(
                Provenance.record_type == "person", Provenance.record_id == shared.record_id
            )
        )
        assert (prov.provider, prov.handling_code, prov.operation_ref) == ("MK", "H2", op_id)
        assert handling.marking(session, "person", shared.record_id).blocks_dissemination
        link = session.scalar(
            select(Link).where(Link.to_type == "person", Link.to_id == shared.record_id)
        )
        assert (link.from_type, link.from_id) == ("case", xk_case)
        # H2: XK's member of the operation's case sees it; another XK analyst does not.
        seen = readable("person", xk_user).where(Person.id == shared.record_id)
        assert session.scalar(seen) is not None
        hidden = readable("person", xk_other).where(Person.id == shared.record_id)
        assert session.scalar(hidden) is None
        events = operation_work.items_of(session, op, "event", user=xk_user)
        timeline = [i.body.get("action") for i in events]
        assert timeline[:1] == ["records shared"] and "accepted" in timeline
        steps = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "import")
        ).all()
        assert {"accepted", "task received"} <= {(d or {}).get("step") for d in steps}

    # A joint patrol planned by XK reaches MK; MK's report of its part comes back to XK.
    officers = {"XK": "A. Krasniqi", "MK": "М. Петров"}
    night = {"starts_at": "2022-11-10T21:00", "ends_at": "2022-11-11T03:00"}
    plan = {"place": "HANI-ELEZIT-BLACE", "officers": officers, **night}
    with xk.store() as session:
        patrol_id = patrols.plan_patrol(session, user=xk_user, op_id=op_id, data=plan).item_id

    def planned_on_mk() -> bool:
        with mk.store() as session:
            op = operations.get_operation(session, op_id)
            return any(
                v.item.item_id == patrol_id for v in patrols.patrols_of(session, op, user=mk_user)
            )

    wait_for(planned_on_mk, timeout=60)
    with mk.store() as session:
        counts = {"vehicles_checked": "31", "hits": "1", "seizures": "1", "firearms_seized": "2"}
        patrols.report_patrol(session, user=mk_user, op_id=op_id, item_id=patrol_id, data=counts)

    def reported_on_xk() -> bool:
        with xk.store() as session:
            op = operations.get_operation(session, op_id)
            return "MK" in patrols.patrol_view(session, op, patrol_id, user=xk_user).reports

    wait_for(reported_on_xk, timeout=60)
    with xk.store() as session:
        (blace,) = patrols.patrol_results(session, user=xk_user)
        assert (blace.vehicles_checked, blace.hits, blace.firearms_seized) == (31, 1, 2)

    with xk.store() as session:
        operations.close_part(
            session, user=xk_user, op_id=op_id, reason="arrests", results="2 arrests"
        )
    started = time.monotonic()
    wait_for(lambda: _state(mk, op_id) == "closed-by-XK", timeout=60)
    print(f"XK's closure on MK after {time.monotonic() - started:.2f} s")
    mk.cli("operation", "close", op_id, "--reason", "done", "--results", "9 pistols", "--user",
           mk_name)  # fmt: skip
    wait_for(lambda: _state(xk, op_id) == "closed", timeout=60)
    assert _state(mk, op_id) == "closed"
    for node in (xk, mk):
        with node.store() as session:
            (row,) = session.scalars(select(JointOperation).where(JointOperation.code == code))
            assert row.jurisdiction == node.jurisdiction
            assert row.results == "XK: 2 arrests\nMK: 9 pistols" and row.ended_on is not None
    with mk.store() as session, pytest.raises(Conflict, match="closed"):
        operation_work.add_note(session, user=mk_user, op_id=op_id, text="too late")
