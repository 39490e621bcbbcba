"""Pages of joint operations: the list with the invitation form, and one operation's page.

Thin: every button posts to a route that calls exchange.operations / operation_work and goes
back to the operation's page. Reading needs `operation.read`, every change `operation.manage`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import UserError
from armsbridge.exchange import (
    operation_receive,  # noqa: F401 - registers the message kinds
    patrols,
)
from armsbridge.exchange import operation_work as work
from armsbridge.exchange import operations as ops
from armsbridge.exchange.operation_models import LiveOperation
from armsbridge.exchange.service import active_peers, node_row
from armsbridge.exchange.sharing import Item
from armsbridge.i18n_marker import N_
from armsbridge.records import handling
from armsbridge.records.labels import TYPES, page_title_of, title_of
from armsbridge.records.models import RECORD_MODELS, Case
from armsbridge.records.reading import log_consultation, readable
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reader = Annotated[Principal, Depends(require("operation.read"))]
Manager = Annotated[Principal, Depends(require("operation.manage"))]
STATE_LABELS = {
    "invited": N_("invited"),
    "declined": N_("declined"),
    "active": N_("active"),
    "closed-by-XK": N_("closed by XK"),
    "closed-by-MK": N_("closed by MK"),
    "closed": N_("closed"),
}
ACTION_LABELS = {
    "invited": N_("Invited the other service"),
    "accepted": N_("Accepted the invitation"),
    "declined": N_("Declined the invitation"),
    "closed": N_("Closed its part"),
    "records shared": N_("Shared records"),
    "task done": N_("Marked a task done"),
    "task reopened": N_("Reopened a task"),
    "patrol planned": N_("Planned a joint patrol"),
    "patrol reported": N_("Reported a joint patrol"),
}
SHAREABLE = [t for t in TYPES if t in RECORD_MODELS and t != "case"]


def _back(op_id: str) -> Response:
    return RedirectResponse(f"/operations/{op_id}", status_code=303)


def _cases(db: DB, user: Principal) -> list[Case]:
    return list(db.scalars(readable("case", user).order_by(Case.id.desc()).limit(100)))


def _case_id(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise UserError(N_("case %(value)r: choose a case from the list"), values={"value": value})
    return int(value)


@router.get("/operations")
def operations_page(request: Request, db: DB, user: Reader) -> Response:
    """Joint operations of this node, invitations to answer first; the form to invite."""
    rows = ops.list_operations(db)
    node = node_row(db)
    waiting = [o for o in rows if o.state == "invited" and node and o.partner == node.jurisdiction]
    return render(
        request,
        "exchange/operations.html",
        {
            "operations": rows,
            "waiting": waiting,
            "node": node,
            "peers": active_peers(db),
            "cases": _cases(db, user),
            "state_labels": STATE_LABELS,
            "codes": ("H0", "H1", "H2", "H3"),
            "can_manage": role_allows(user.role, "operation.manage"),
        },
    )


@router.post("/operations")
def invite_page(
    db: DB,
    user: Manager,
    peer: Annotated[str, Form()],
    code: Annotated[str, Form()],
    title: Annotated[str, Form()],
    purpose: Annotated[str, Form()],
    handling_code: Annotated[str, Form()],
    restriction: Annotated[str, Form()] = "",
    starts_on: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
    case_id: Annotated[str, Form()] = "",
    new_case: Annotated[str, Form()] = "",
) -> Response:
    """Create a joint operation and invite the peer."""
    op = ops.invite(
        db,
        user=user,
        peer=peer,
        code=code,
        title=title,
        purpose=purpose,
        handling_code=handling_code,
        restriction=restriction or None,
        starts_on=starts_on or None,
        ends_on=ends_on or None,
        case_id=_case_id(case_id),
        new_case=new_case or None,
    )
    return _back(op.op_id)


def _shared(db: DB, user: Principal, op: LiveOperation) -> list[dict[str, Any]]:
    """The operation's records as the user may see them, with their markings (consult logged)."""
    rows = work.records_of(db, op, user=user)
    out: list[dict[str, Any]] = []
    by_type: dict[str, list[int]] = {}
    for row in rows:
        by_type.setdefault(row.record_type, []).append(row.record_id)
    seen: dict[tuple[str, int], Any] = {}
    for record_type, ids in by_type.items():
        model = RECORD_MODELS[record_type]
        found = list(db.scalars(readable(record_type, user).where(model.id.in_(ids))))
        log_consultation(
            db,
            user=user,
            record_type=record_type,
            records=found,
            why=f"joint operation {op.code}",
            details={"operation": op.op_id},
        )
        marks = handling.markings(db, record_type, ids)
        for record in found:
            seen[(record_type, record.id)] = (record, marks.get(record.id))
    for row in rows:
        record, mark = seen.get((row.record_type, row.record_id), (None, None))
        slug, label, _plural = TYPES.get(row.record_type, ("", row.record_type, ""))
        href = f"/records/{slug}/{row.record_id}" if slug and record is not None else None
        title = title_of(row.record_type, record) if record is not None else None
        out.append(
            {
                "row": row,
                "record": record,
                "marking": mark,
                "label": label,
                "href": href,
                "title": title,
            }
        )
    return out


@router.get("/operations/{op_id}")
def operation_page(request: Request, db: DB, user: Reader, op_id: str) -> Response:
    """One operation: its terms and state, timeline, tasks, notes, shared records, buttons."""
    op = ops.get_operation(db, op_id)
    node = node_row(db)
    me = node.jurisdiction if node else ""
    try:
        ops.check_open_for(op, me)
        can_contribute = True
    except UserError:
        can_contribute = False
    case = db.scalar(readable("case", user).where(Case.id == op.case_id)) if op.case_id else None
    return render(
        request,
        "exchange/operation.html",
        {
            "op": op,
            "me": me,
            "case": case,
            "can_contribute": can_contribute,
            "can_answer": op.state == "invited" and op.partner == me,
            "timeline": work.items_of(db, op, user=user),
            "tasks": work.items_of(db, op, "task", user=user),
            "notes": work.items_of(db, op, "note", user=user),
            "patrols": patrols.patrols_of(db, op, user=user),
            "place_label": patrols.place_label,
            "moment": patrols.moment_of,
            "green_border": patrols.GREEN_BORDER,
            "work_hidden": not work.may_see_work(db, op, user=user),
            "shared": _shared(db, user, op),
            "cases": _cases(db, user),
            "state_labels": STATE_LABELS,
            "action_labels": ACTION_LABELS,
            "types": SHAREABLE,
            "TYPES": TYPES,
            "title_of": page_title_of,
            "can_manage": role_allows(user.role, "operation.manage"),
        },
    )


@router.post("/operations/{op_id}/accept")
def accept_page(
    db: DB,
    user: Manager,
    op_id: str,
    case_id: Annotated[str, Form()] = "",
    new_case: Annotated[str, Form()] = "",
) -> Response:
    """Accept the invitation with this node's case (chosen or new)."""
    ops.accept(db, user=user, op_id=op_id, case_id=_case_id(case_id), new_case=new_case or None)
    return _back(op_id)


@router.post("/operations/{op_id}/decline")
def decline_page(db: DB, user: Manager, op_id: str, reason: Annotated[str, Form()]) -> Response:
    """Decline the invitation, with the reason."""
    ops.decline(db, user=user, op_id=op_id, reason=reason)
    return _back(op_id)


@router.post("/operations/{op_id}/tasks")
def task_page(
    db: DB,
    user: Manager,
    op_id: str,
    title: Annotated[str, Form()],
    assignee: Annotated[str, Form()],
    due_on: Annotated[str, Form()] = "",
) -> Response:
    """Add a task."""
    work.add_task(db, user=user, op_id=op_id, title=title, assignee=assignee, due_on=due_on or None)
    return _back(op_id)


@router.post("/operations/{op_id}/tasks/{item_id}/done")
def task_done_page(
    db: DB, user: Manager, op_id: str, item_id: str, done: Annotated[str, Form()] = "1"
) -> Response:
    """Mark a task done (done=1) or open again (done=0)."""
    work.set_task_done(db, user=user, op_id=op_id, item_id=item_id, done=done != "0")
    return _back(op_id)


@router.post("/operations/{op_id}/notes")
def note_page(db: DB, user: Manager, op_id: str, text: Annotated[str, Form()]) -> Response:
    """Add a note."""
    work.add_note(db, user=user, op_id=op_id, text=text)
    return _back(op_id)


@router.post("/operations/{op_id}/records")
def records_page(
    db: DB,
    user: Manager,
    op_id: str,
    record_type: Annotated[str, Form()],
    record_ids: Annotated[str, Form()],
    source_grade: Annotated[str, Form()] = "X",
    information_grade: Annotated[str, Form()] = "4",
) -> Response:
    """Share records of one type (ids separated by commas or spaces) under the agreed code."""
    if record_type not in SHAREABLE:
        raise UserError(
            N_("%(record_type)r: choose a record type from the list"),
            values={"record_type": record_type},
        )
    parts = record_ids.replace(",", " ").split()
    if not parts or not all(p.isdigit() for p in parts):
        raise UserError("write the record numbers, separated by commas or spaces")
    items = [Item(record_type, int(p)) for p in dict.fromkeys(parts)]
    work.share(
        db,
        user=user,
        op_id=op_id,
        items=items,
        source_grade=source_grade,
        information_grade=information_grade,
    )
    return _back(op_id)


@router.post("/operations/{op_id}/close")
def close_page(
    db: DB,
    user: Manager,
    op_id: str,
    reason: Annotated[str, Form()],
    results: Annotated[str, Form()] = "",
) -> Response:
    """Close this node's part of the operation."""
    ops.close_part(db, user=user, op_id=op_id, reason=reason, results=results or None)
    return _back(op_id)
