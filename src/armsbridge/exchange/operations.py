"""Joint operations between two nodes: invite, accept or decline, contribute, close.

One side creates the operation (code, title, purpose, the handling code agreed for everything
shared in it, planned dates, its own case) and invites the peer; the peer accepts, naming its own
case, or declines with a reason. Both nodes then hold the operation under the same `op_id`. Each
side contributes records (through `sharing.share_records`, under the operation's handling code),
tasks, notes; every contribution and change of state is a timeline entry. Either side closes its
part; a closed part takes no more contributions, on either node; the operation is closed when
both parts are. The operation also keeps the reporting row (`capacity.models.JointOperation`) of
its code up to date on each node, so the indicators count it once per programme.

Messages: `operation-invite`, `operation-accept`, `operation-decline`, `operation-close` and
`operation-item` (a task, note or timeline entry with a stable id: sent again, it replaces).
Their handlers are in `exchange.operation_receive`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.audit.service import log_event
from armsbridge.auth.grants import add_case_member
from armsbridge.auth.models import User
from armsbridge.auth.principal import Principal
from armsbridge.capacity.service import record_joint_operation
from armsbridge.errors import Conflict, NotFound, PermissionDenied, UserError
from armsbridge.exchange import sharing
from armsbridge.exchange.models import Peer
from armsbridge.exchange.operation_models import LiveOperation, OperationItem
from armsbridge.exchange.service import enqueue, get_peer, require_node
from armsbridge.i18n_marker import N_
from armsbridge.records.labels import not_found
from armsbridge.records.models import Case
from armsbridge.records.reading import readable
from armsbridge.records.service import create_record, link_records

INVITE, ACCEPT, DECLINE, CLOSE, ITEM = (
    "operation-invite",
    "operation-accept",
    "operation-decline",
    "operation-close",
    "operation-item",
)
OPEN_STATES = ("active", "closed-by-XK", "closed-by-MK")
CASE_LINK_KIND = "other"  # the link that puts a shared record in the operation's local case


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def parse_day(value: date | str | None, name: str) -> date | None:
    """Return a date given as YYYY-MM-DD (None when empty); UserError naming `name` if not."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise UserError(
            N_("%(name)s %(value)r: write the date as YYYY-MM-DD"),
            values={"name": name, "value": value},
        ) from exc


def required_text(value: str | None, name: str, limit: int) -> str:
    """Return stripped text of at most `limit` characters; UserError naming `name` if not."""
    text = (value or "").strip()
    if not text:
        raise UserError(N_("%(name)s is required"), values={"name": name})
    if len(text) > limit:
        raise UserError(
            N_("%(name)s has %(count_text)s characters; at most %(limit)s"),
            values={"name": name, "count_text": len(text), "limit": limit},
        )
    return text


def get_operation(session: Session, op_id: str) -> LiveOperation:
    """Return the operation of `op_id`; NotFound names the page that lists them."""
    op = session.scalar(select(LiveOperation).where(LiveOperation.op_id == op_id))
    if op is None:
        raise NotFound(
            N_("no joint operation %(op_id)r; the list is at /operations"), values={"op_id": op_id}
        )
    return op


def list_operations(session: Session) -> list[LiveOperation]:
    """Return this node's joint operations, newest invitation first."""
    stmt = select(LiveOperation).order_by(LiveOperation.invited_at.desc(), LiveOperation.id.desc())
    return list(session.scalars(stmt))


def other_side(op: LiveOperation, side: str) -> str:
    """Return the jurisdiction of the other side of `op`."""
    return op.partner if side == op.initiator else op.initiator


def state_of(closures: dict[str, Any] | None, sides: Sequence[str]) -> str:
    """Return the state an active operation is in given the parts closed so far."""
    closed = [s for s in sides if s in (closures or {})]
    if len(closed) == len(sides):
        return "closed"
    return f"closed-by-{closed[0]}" if closed else "active"


def check_open_for(op: LiveOperation, side: str) -> None:
    """Refuse (409) a contribution from `side` unless the operation is active for it."""
    if op.state == "invited":
        raise Conflict(
            N_("operation %(code)s is not accepted yet: contributions wait for it"),
            values={"code": op.code},
        )
    if op.state not in OPEN_STATES:
        raise Conflict(
            N_("operation %(code)s is %(state)s: it takes no more contributions"),
            values={"code": op.code, "state": op.state},
        )
    if side in (op.closures or {}):
        raise Conflict(
            N_("%(side)s closed its part of operation %(code)s: it takes no more from it"),
            values={"side": side, "code": op.code},
        )


def as_dict(op: LiveOperation) -> dict[str, Any]:
    """Return the terms of `op` as a message carries them."""
    return {
        "op_id": op.op_id,
        "code": op.code,
        "title": op.title,
        "purpose": op.purpose,
        "handling_code": op.handling_code,
        "restriction": op.restriction,
        "starts_on": op.starts_on.isoformat() if op.starts_on else None,
        "ends_on": op.ends_on.isoformat() if op.ends_on else None,
        "initiator": op.initiator,
        "partner": op.partner,
    }


def item_dict(item: OperationItem) -> dict[str, Any]:
    """Return an item as an `operation-item` message carries it."""
    return {
        "item_id": item.item_id,
        "kind": item.kind,
        "side": item.side,
        "author": item.author,
        "at": item.at.isoformat(),
        "body": item.body,
        "version": item.version,
    }


def put_item(session: Session, op: LiveOperation, data: dict[str, Any]) -> OperationItem:
    """Store an item by its stable id: a new one is added, a known one replaced (newer only)."""
    row = session.scalar(
        select(OperationItem).where(
            OperationItem.operation_id == op.id, OperationItem.item_id == data["item_id"]
        )
    )
    version = int(data.get("version") or 1)
    if row is None:
        row = OperationItem(operation_id=op.id, item_id=data["item_id"], kind=data["kind"])
        session.add(row)
    elif version < row.version:
        return row  # an older copy arriving late changes nothing
    row.side, row.author, row.version = data["side"], data["author"], version
    at = data["at"]
    row.at = at if isinstance(at, datetime) else datetime.fromisoformat(at)
    row.body = dict(data["body"])
    session.flush()
    return row


def event(side: str, author: str, action: str, now: datetime, **detail: Any) -> dict[str, Any]:
    """Return a new timeline entry (an item of kind "event")."""
    return {
        "item_id": str(uuid.uuid4()),
        "kind": "event",
        "side": side,
        "author": author,
        "at": now.isoformat(),
        "body": {"action": action, **{k: v for k, v in detail.items() if v is not None}},
        "version": 1,
    }


def audit(
    session: Session, op: LiveOperation, *, actor: str, action: str, step: str, **more: Any
) -> None:
    """Log one step of an operation (who, what, which operation) in the audit chain."""
    log_event(
        session,
        actor=actor,
        action=action,
        jurisdiction=require_node(session).jurisdiction,
        details={"operation": op.op_id, "code": op.code, "step": step, **more},
    )


def report(session: Session, op: LiveOperation, *, user: Principal) -> None:
    """Create or update this node's reporting row of the operation (the same code on both).

    Written once the operation is accepted (a declined invitation is no joint operation),
    updated when a part closes: its results, and the end date once both parts are closed.
    """
    me = require_node(session).jurisdiction
    closures = op.closures or {}
    results = "\n".join(
        f"{side}: {closures[side].get('results')}"
        for side in (op.initiator, op.partner)
        if side in closures and closures[side].get("results")
    )
    ended = None
    if op.state == "closed":
        ended = max(datetime.fromisoformat(c["at"]).date() for c in closures.values())
    row = record_joint_operation(
        session,
        jurisdiction=me,
        code=op.code,
        title=op.title,
        kind="joint_investigation",
        started_on=op.starts_on,
        ended_on=ended or op.ends_on,
        agencies=list(op.agencies or []) or None,
        results=results or None,
        user=user,
    )
    op.reporting_id = row.id


def local_case(
    session: Session,
    *,
    user: Principal,
    case_id: int | None,
    new_case: str | None,
    title: str,
    kind: str = "trafficking",
) -> Case:
    """Return the user's case for the operation: one they can see, or a new one (they join it)."""
    if case_id:
        case = session.scalar(readable("case", user).where(Case.id == case_id))
        if case is None:
            raise not_found("case", case_id)
        return case
    reference = (new_case or "").strip()
    if not reference:
        raise UserError("choose the case the operation belongs to, or give a new case reference")
    case = create_record(
        session,
        record_type="case",
        data={"reference": reference, "kind": kind, "title": title[:300]},
        user=user,
    )
    if session.scalar(select(User.id).where(User.username == user.username)):
        # Whoever opens the case for the operation works on it: H2/H3 records shared in the
        # operation are then visible to them; an administrator adds the colleagues.
        add_case_member(session, case_id=case.id, username=user.username, actor=user.username)
    return case


def link_to_case(
    session: Session, op: LiveOperation, record_type: str, record_id: int, user: Principal
) -> None:
    """Put a record shared in the operation in this node's case of it (members then see it)."""
    if op.case_id is None or record_type in ("case", "link"):
        return
    link_records(
        session,
        kind=CASE_LINK_KIND,
        from_type="case",
        from_id=op.case_id,
        to_type=record_type,
        to_id=record_id,
        user=user,
        source_ref=f"operation:{op.op_id}",
    )


def invite(
    session: Session,
    *,
    user: Principal,
    peer: str,
    code: str,
    title: str,
    purpose: str,
    handling_code: str,
    restriction: str | None = None,
    starts_on: date | str | None = None,
    ends_on: date | str | None = None,
    case_id: int | None = None,
    new_case: str | None = None,
    now: datetime | None = None,
) -> LiveOperation:
    """Create a joint operation with this node's case and invite `peer` to it."""
    moment = _now(now)
    node = require_node(session)
    other: Peer = get_peer(session, peer)
    code, title = required_text(code, "code", 80), required_text(title, "title", 300)
    purpose = required_text(purpose, "purpose", 2000)
    terms = sharing.Conditions(handling_code, restriction).checked()
    if session.scalar(select(LiveOperation.id).where(LiveOperation.code == code)):
        raise Conflict(
            N_("a joint operation with code %(code)s exists; choose another code"),
            values={"code": code},
        )
    starts, ends = parse_day(starts_on, "start date"), parse_day(ends_on, "end date")
    if starts and ends and ends < starts:
        raise UserError("the planned end date is before the start date")
    case = local_case(session, user=user, case_id=case_id, new_case=new_case, title=title)
    op = LiveOperation(
        op_id=str(uuid.uuid4()),
        code=code,
        title=title,
        purpose=purpose,
        handling_code=terms.handling_code,
        restriction=terms.restriction,
        starts_on=starts,
        ends_on=ends,
        initiator=node.jurisdiction,
        partner=other.jurisdiction,
        peer_id=other.id,
        state="invited",
        case_id=case.id,
        invited_by=user.username,
        invited_at=moment,
        agencies=[node.name],
    )
    session.add(op)
    session.flush()
    entry = event(node.jurisdiction, user.username, "invited", moment, peer=other.jurisdiction)
    put_item(session, op, entry)
    body = {"operation": as_dict(op), "agency": node.name, "event": entry}
    enqueue(session, peer=other, kind=INVITE, body=body, now=moment)
    audit(session, op, actor=user.username, action="create", step="invite", peer=other.name)
    return op


def _peer_of(session: Session, op: LiveOperation) -> Peer:
    peer = session.get(Peer, op.peer_id)
    if peer is None or peer.removed_at is not None:
        raise Conflict(
            N_("the peer of operation %(code)s was removed: nothing can be sent to it"),
            values={"code": op.code},
        )
    return peer


def _invited_here(session: Session, op: LiveOperation) -> None:
    if op.partner != require_node(session).jurisdiction:
        raise PermissionDenied(
            N_("operation %(code)s was invited by this node: the peer answers"),
            values={"code": op.code},
        )
    if op.state != "invited":
        raise Conflict(
            N_("operation %(code)s is %(state)s: the invitation was answered"),
            values={"code": op.code, "state": op.state},
        )


def accept(
    session: Session,
    *,
    user: Principal,
    op_id: str,
    case_id: int | None = None,
    new_case: str | None = None,
    now: datetime | None = None,
) -> LiveOperation:
    """Accept an invitation, naming this node's case (chosen or new); the inviter is told."""
    moment = _now(now)
    op = get_operation(session, op_id)
    _invited_here(session, op)
    case = local_case(session, user=user, case_id=case_id, new_case=new_case, title=op.title)
    node = require_node(session)
    op.case_id, op.state, op.answered_at = case.id, "active", moment
    op.agencies = [*(op.agencies or []), node.name]
    entry = event(node.jurisdiction, user.username, "accepted", moment)
    put_item(session, op, entry)
    body = {"op_id": op.op_id, "agency": node.name, "event": entry}
    enqueue(session, peer=_peer_of(session, op), kind=ACCEPT, body=body, now=moment)
    report(session, op, user=user)
    audit(session, op, actor=user.username, action="change", step="accept", case=case.id)
    return op


def decline(
    session: Session, *, user: Principal, op_id: str, reason: str, now: datetime | None = None
) -> LiveOperation:
    """Decline an invitation with a reason; the inviter is told."""
    moment = _now(now)
    op = get_operation(session, op_id)
    _invited_here(session, op)
    reason = required_text(reason, "the reason for declining", 2000)
    op.state, op.answered_at, op.decline_reason = "declined", moment, reason
    node = require_node(session)
    entry = event(node.jurisdiction, user.username, "declined", moment, reason=reason)
    put_item(session, op, entry)
    body = {"op_id": op.op_id, "reason": reason, "event": entry}
    enqueue(session, peer=_peer_of(session, op), kind=DECLINE, body=body, now=moment)
    audit(session, op, actor=user.username, action="change", step="decline", reason=reason)
    return op


def close_part(
    session: Session,
    *,
    user: Principal,
    op_id: str,
    reason: str,
    results: str | None = None,
    now: datetime | None = None,
) -> LiveOperation:
    """Close this node's part of an operation (reason, results); the other side is told."""
    moment = _now(now)
    op = get_operation(session, op_id)
    me = require_node(session).jurisdiction
    check_open_for(op, me)
    reason = required_text(reason, "the reason for closing", 2000)
    results = (results or "").strip() or None
    closure = {"at": moment.isoformat(), "by": user.username, "reason": reason, "results": results}
    op.closures = {**(op.closures or {}), me: closure}
    op.state = state_of(op.closures, (op.initiator, op.partner))
    entry = event(me, user.username, "closed", moment, reason=reason, results=results)
    put_item(session, op, entry)
    body = {"op_id": op.op_id, "closure": closure, "event": entry}
    enqueue(session, peer=_peer_of(session, op), kind=CLOSE, body=body, now=moment)
    report(session, op, user=user)
    audit(session, op, actor=user.username, action="change", step="close", state=op.state)
    return op
