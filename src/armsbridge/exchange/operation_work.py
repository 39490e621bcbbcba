"""The work of a joint operation: tasks, notes and records, each a timeline entry on both nodes.

Tasks and notes are items with a stable id, sent to the other side as `operation-item`
messages; marking a task done sends it again (a new version replaces the old on both nodes).
Records go through `sharing.share_records` under the operation's handling code (not one chosen
per record), tied to the operation and to this node's case of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.auth.principal import Principal
from armsbridge.errors import NotFound, PermissionDenied, UserError
from armsbridge.exchange import sharing
from armsbridge.exchange.models import Peer
from armsbridge.exchange.operation_models import LiveOperation, OperationItem, OperationRecord
from armsbridge.exchange.operations import (
    ITEM,
    audit,
    check_open_for,
    event,
    get_operation,
    item_dict,
    parse_day,
    put_item,
    required_text,
)
from armsbridge.exchange.service import enqueue, require_node
from armsbridge.i18n_marker import N_
from armsbridge.records.models import RECORD_MODELS, Case
from armsbridge.records.reading import readable

WORK_HIDDEN = N_(
    "the work of this operation is seen by the members of its case only: ask the case's "
    "owner to add you"
)


def may_see_work(session: Session, op: LiveOperation, *, user: Principal) -> bool:
    """True when `user` may read the operation's work (timeline, tasks, notes, records).

    The work is read like this node's case of the operation: when that case is restricted, only
    its members see it (an operation not yet accepted has no case: operation readers see it).
    """
    if op.case_id is None:
        return True
    case = readable("case", user).with_only_columns(Case.id).where(Case.id == op.case_id)
    return session.scalar(case) is not None


def open_here(session: Session, op_id: str, user: Principal) -> tuple[LiveOperation, str]:
    """Return the operation `user` may work in and this node's side; refused when it is not
    open for this side or its work is hidden from `user`."""
    op = get_operation(session, op_id)
    if not may_see_work(session, op, user=user):
        raise PermissionDenied(WORK_HIDDEN)
    me = require_node(session).jurisdiction
    check_open_for(op, me)
    return op, me


def send_item(session: Session, op: LiveOperation, item: OperationItem, now: datetime) -> None:
    """Queue an item (task, note, entry, patrol, report) for the other side."""
    peer = session.get(Peer, op.peer_id)
    if peer is None or peer.removed_at is not None:
        raise UserError(
            N_("the peer of operation %(code)s was removed: nothing can be sent to it"),
            values={"code": op.code},
        )
    body = {"op_id": op.op_id, "item": item_dict(item)}
    enqueue(session, peer=peer, kind=ITEM, body=body, now=now)


def add_task(
    session: Session,
    *,
    user: Principal,
    op_id: str,
    title: str,
    assignee: str,
    due_on: str | None = None,
    now: datetime | None = None,
) -> OperationItem:
    """Add a task (title, the service that does it, due date) and send it to the other side."""
    moment = now or datetime.now(UTC)
    op, me = open_here(session, op_id, user)
    assignee = (assignee or "").strip().upper()
    if assignee not in (op.initiator, op.partner):
        raise UserError(
            N_("assign the task to %(initiator)s or %(partner)s"),
            values={"initiator": op.initiator, "partner": op.partner},
        )
    due = parse_day(due_on, "due date")
    body = {
        "title": required_text(title, "the task", 300),
        "assignee": assignee,
        "due_on": due.isoformat() if due else None,
        "done": False,
    }
    data = {
        "item_id": str(uuid.uuid4()),
        "kind": "task",
        "side": me,
        "author": user.username,
        "at": moment,
        "body": body,
        "version": 1,
    }
    task = put_item(session, op, data)
    send_item(session, op, task, moment)
    audit(session, op, actor=user.username, action="create", step="task", item=task.item_id)
    return task


def set_task_done(
    session: Session,
    *,
    user: Principal,
    op_id: str,
    item_id: str,
    done: bool = True,
    now: datetime | None = None,
) -> OperationItem:
    """Mark a task done (or not): the task is sent again and replaces the other side's copy."""
    moment = now or datetime.now(UTC)
    op, me = open_here(session, op_id, user)
    task = session.scalar(
        select(OperationItem).where(
            OperationItem.operation_id == op.id,
            OperationItem.item_id == item_id,
            OperationItem.kind == "task",
        )
    )
    if task is None:
        raise NotFound(
            N_("operation %(code)s has no task %(item_id)r"),
            values={"code": op.code, "item_id": item_id},
        )
    task.body = {**task.body, "done": bool(done), "done_by": user.username if done else None}
    task.version += 1
    session.flush()
    send_item(session, op, task, moment)
    action = "task done" if done else "task reopened"
    entry = put_item(
        session, op, event(me, user.username, action, moment, task=task.body.get("title"))
    )
    send_item(session, op, entry, moment)
    audit(session, op, actor=user.username, action="change", step="task", item=task.item_id)
    return task


def add_note(
    session: Session, *, user: Principal, op_id: str, text: str, now: datetime | None = None
) -> OperationItem:
    """Add a note to the operation and send it to the other side."""
    moment = now or datetime.now(UTC)
    op, me = open_here(session, op_id, user)
    data = {
        "item_id": str(uuid.uuid4()),
        "kind": "note",
        "side": me,
        "author": user.username,
        "at": moment,
        "body": {"text": required_text(text, "the note", 4000)},
        "version": 1,
    }
    note = put_item(session, op, data)
    send_item(session, op, note, moment)
    audit(session, op, actor=user.username, action="create", step="note", item=note.item_id)
    return note


def share(
    session: Session,
    *,
    user: Principal,
    op_id: str,
    items: Sequence[sharing.Item],
    source_grade: str = "X",
    information_grade: str = "4",
    now: datetime | None = None,
) -> int:
    """Share records with the other side under the operation's handling code; return how many.

    Each disclosure is logged by `share_records`; the records join this node's case of the
    operation and its list of shared records, and a timeline entry goes to both sides.
    """
    moment = now or datetime.now(UTC)
    op, me = open_here(session, op_id, user)
    peer = session.get(Peer, op.peer_id)
    if peer is None or peer.removed_at is not None:
        raise UserError(
            N_("the peer of operation %(code)s was removed: nothing can be sent to it"),
            values={"code": op.code},
        )
    conditions = sharing.Conditions(
        op.handling_code, op.restriction, source_grade, information_grade
    )
    message = sharing.share_records(
        session,
        user=user,
        peer=peer,
        items=items,
        conditions=conditions,
        purpose=f"joint operation {op.code}: {op.purpose}"[:500],
        operation_ref=op.op_id,
        now=moment,
    )
    for item in items:
        remember(session, op, item.record_type, item.record_id, me, message.message_id, moment)
    kinds = sorted({i.record_type for i in items})
    entry = put_item(
        session,
        op,
        event(me, user.username, "records shared", moment, count=len(items), types=kinds),
    )
    send_item(session, op, entry, moment)
    audit(
        session,
        op,
        actor=user.username,
        action="change",
        step="records",
        message_id=message.message_id,
        records=len(items),
    )
    return len(items)


def remember(
    session: Session,
    op: LiveOperation,
    record_type: str,
    record_id: int,
    side: str,
    message_id: str,
    now: datetime,
) -> OperationRecord:
    """Tie a record to the operation's list of shared records (once per record)."""
    if record_type not in RECORD_MODELS:
        raise UserError(
            N_("%(record_type)r is not a record type"), values={"record_type": record_type}
        )
    row = session.scalar(
        select(OperationRecord).where(
            OperationRecord.operation_id == op.id,
            OperationRecord.record_type == record_type,
            OperationRecord.record_id == record_id,
        )
    )
    if row is None:
        row = OperationRecord(operation_id=op.id, record_type=record_type, record_id=record_id)
        session.add(row)
    row.side, row.message_id, row.shared_at = side, message_id, now
    session.flush()
    return row


def records_of(session: Session, op: LiveOperation, *, user: Principal) -> list[OperationRecord]:
    """Return the records shared in the operation (both ways) that `user` may see, newest first
    (none when the operation's case is restricted and `user` is not one of its members)."""
    if not may_see_work(session, op, user=user):
        return []
    stmt = (
        select(OperationRecord)
        .where(OperationRecord.operation_id == op.id)
        .order_by(OperationRecord.shared_at.desc(), OperationRecord.id.desc())
    )
    return list(session.scalars(stmt))


def items_of(
    session: Session, op: LiveOperation, kind: str | None = None, *, user: Principal
) -> list[OperationItem]:
    """Return the operation's items `user` may see (of one kind, or all: the timeline), newest
    first; none when the operation's case is restricted and `user` is not one of its members."""
    if not may_see_work(session, op, user=user):
        return []
    stmt = select(OperationItem).where(OperationItem.operation_id == op.id)
    if kind:
        stmt = stmt.where(OperationItem.kind == kind)
    return list(session.scalars(stmt.order_by(OperationItem.at.desc(), OperationItem.id.desc())))
