"""What a node does with the joint-operation messages of its peer, and with records shared in one.

Each handler runs in the transaction that records the message in the inbox (applied once, whole
or not at all) and checks what the sending node checked: the sender is a side of the operation,
the operation is in the state the message needs, and the sender's part is not closed. A refused
message changes nothing here and is answered as refused (the sender sees it on its exchange page).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.auth.principal import node_principal
from armsbridge.errors import UserError
from armsbridge.exchange import patrols, sharing
from armsbridge.exchange.handlers import HandlerRefused, Received, register_handler
from armsbridge.exchange.operation_models import ITEM_KINDS, LiveOperation, OperationItem
from armsbridge.exchange.operation_work import remember
from armsbridge.exchange.operations import (
    ACCEPT,
    CLOSE,
    DECLINE,
    INVITE,
    ITEM,
    audit,
    check_open_for,
    link_to_case,
    parse_day,
    put_item,
    report,
    state_of,
)
from armsbridge.exchange.service import require_node


def _operation(session: Session, body: dict[str, Any]) -> LiveOperation:
    op_id = str(body.get("op_id") or "")
    op = session.scalar(select(LiveOperation).where(LiveOperation.op_id == op_id))
    if op is None:
        raise HandlerRefused("unknown_operation", f"no joint operation {op_id[:40]!r} here")
    return op


def _side(op: LiveOperation, message: Received) -> str:
    sender = message.envelope.sender
    if sender not in (op.initiator, op.partner) or message.peer.id != op.peer_id:
        raise HandlerRefused("not_a_side", f"{sender} is not a side of operation {op.code}")
    return sender


def _open_for(op: LiveOperation, side: str) -> None:
    try:
        check_open_for(op, side)
    except UserError as exc:
        raise HandlerRefused("operation_closed", str(exc)) from exc


def _item(data: Any, sender: str) -> dict[str, Any]:
    if not isinstance(data, dict) or data.get("kind") not in ITEM_KINDS:
        raise HandlerRefused("malformed_item", "an item needs a kind: " + ", ".join(ITEM_KINDS))
    item_id = str(data.get("item_id") or "")
    if not 0 < len(item_id) <= 36 or not isinstance(data.get("body"), dict):
        raise HandlerRefused("malformed_item", "an item needs an id of 1-36 characters and a body")
    try:
        at = datetime.fromisoformat(str(data.get("at")))
        version = int(data.get("version") or 1)
    except (TypeError, ValueError) as exc:
        raise HandlerRefused("malformed_item", f"item {item_id}: time or version") from exc
    author = str(data.get("author") or "")[:120] or "?"
    side = str(data.get("side") or "")
    return {
        **data,
        "item_id": item_id,
        "at": at,
        "version": version,
        "author": author,
        "side": side,
    }


def _event(session: Session, op: LiveOperation, body: dict[str, Any], sender: str) -> None:
    entry = _item(body.get("event"), sender)
    if entry["kind"] != "event" or entry["side"] != sender:
        raise HandlerRefused("malformed_item", "a change of state carries its sender's entry")
    put_item(session, op, entry)


def _node(session: Session):  # noqa: ANN202
    return node_principal(require_node(session).jurisdiction, purpose="joint-operation")


def _invite(session: Session, message: Received) -> dict[str, Any]:
    terms = message.envelope.body.get("operation")
    me, sender = require_node(session).jurisdiction, message.envelope.sender
    if (
        not isinstance(terms, dict)
        or terms.get("initiator") != sender
        or terms.get("partner") != me
    ):
        raise HandlerRefused("malformed_operation", f"an invitation from {sender} to {me}")
    try:
        conditions = sharing.Conditions(
            str(terms.get("handling_code")), terms.get("restriction")
        ).checked()
        code = str(terms["code"]).strip()[:80]
        title = str(terms["title"]).strip()[:300]
        purpose = str(terms["purpose"]).strip()[:2000]
        starts = parse_day(terms.get("starts_on"), "start date")
        ends = parse_day(terms.get("ends_on"), "end date")
        op_id = str(terms["op_id"])[:36]
    except (KeyError, UserError) as exc:
        raise HandlerRefused("malformed_operation", str(exc)) from exc
    if not (code and title and purpose and op_id):
        raise HandlerRefused("malformed_operation", "code, title, purpose and id are required")
    taken = session.scalar(
        select(LiveOperation.id).where(
            (LiveOperation.op_id == op_id) | (LiveOperation.code == code)
        )
    )
    if taken:
        raise HandlerRefused("operation_exists", f"a joint operation {code} is already here")
    first = message.envelope.body.get("event") or {}
    op = LiveOperation(
        op_id=op_id,
        code=code,
        title=title,
        purpose=purpose,
        handling_code=conditions.handling_code,
        restriction=conditions.restriction,
        starts_on=starts,
        ends_on=ends,
        initiator=sender,
        partner=me,
        peer_id=message.peer.id,
        state="invited",
        invited_by=str(first.get("author") or "?")[:120],
        invited_at=message.now,
        agencies=[str(message.envelope.body.get("agency") or sender)[:120]],
    )
    session.add(op)
    session.flush()
    _event(session, op, message.envelope.body, sender)
    audit(session, op, actor=f"peer:{message.peer.name}", action="import", step="invited")
    return {"operation": op.op_id, "state": op.state}


def _answer(session: Session, message: Received, state: str) -> dict[str, Any]:
    body = message.envelope.body
    op = _operation(session, body)
    sender = _side(op, message)
    if sender != op.partner or op.state != "invited":
        raise HandlerRefused("not_invited", f"operation {op.code} is {op.state}")
    op.state, op.answered_at = state, message.now
    _event(session, op, body, sender)
    if state == "active":
        op.agencies = [*(op.agencies or []), str(body.get("agency") or sender)[:120]]
        report(session, op, user=_node(session))
    else:
        op.decline_reason = str(body.get("reason") or "")[:2000] or None
    step = "accepted" if state == "active" else "declined"
    audit(session, op, actor=f"peer:{message.peer.name}", action="import", step=step)
    return {"operation": op.op_id, "state": op.state}


def _accept(session: Session, message: Received) -> dict[str, Any]:
    return _answer(session, message, "active")


def _decline(session: Session, message: Received) -> dict[str, Any]:
    return _answer(session, message, "declined")


def _close(session: Session, message: Received) -> dict[str, Any]:
    body = message.envelope.body
    op = _operation(session, body)
    sender = _side(op, message)
    _open_for(op, sender)
    closure = body.get("closure")
    if not isinstance(closure, dict) or not closure.get("reason"):
        raise HandlerRefused("malformed_operation", "closing a part needs its reason")
    try:
        datetime.fromisoformat(str(closure.get("at")))
    except ValueError as exc:
        raise HandlerRefused("malformed_operation", "closing a part needs its time") from exc
    kept = {k: str(closure[k])[:2000] for k in ("at", "by", "reason", "results") if closure.get(k)}
    op.closures = {**(op.closures or {}), sender: kept}
    op.state = state_of(op.closures, (op.initiator, op.partner))
    _event(session, op, body, sender)
    report(session, op, user=_node(session))
    audit(session, op, actor=f"peer:{message.peer.name}", action="import", step="closed")
    return {"operation": op.op_id, "state": op.state}


def _receive_item(session: Session, message: Received) -> dict[str, Any]:
    body = message.envelope.body
    op = _operation(session, body)
    sender = _side(op, message)
    _open_for(op, sender)
    data = _item(body.get("item"), sender)
    known = session.scalar(
        select(OperationItem).where(
            OperationItem.operation_id == op.id, OperationItem.item_id == data["item_id"]
        )
    )
    if known is None and data["side"] != sender:
        raise HandlerRefused("not_a_side", f"{sender} sent an item of {data['side']}")
    if known is not None and (known.kind != data["kind"] or data["side"] != known.side):
        raise HandlerRefused("malformed_item", f"item {data['item_id']} changed kind or side")
    if known is not None and known.kind != "task" and known.side != sender:
        raise HandlerRefused(
            "not_a_side", f"{sender} may not change a {known.kind} of the other side"
        )
    try:
        patrols.check_body(session, op, data["kind"], data["body"])
    except UserError as exc:
        problems = "; ".join(f"{p['field']}: {p['expected']}" for p in exc.problems)
        what = f"{data['kind']} {data['item_id']}: {problems or exc}"
        raise HandlerRefused("malformed_item", what) from exc
    row = put_item(session, op, data)
    audit(
        session,
        op,
        actor=f"peer:{message.peer.name}",
        action="import",
        step=f"{row.kind} received",
        item=row.item_id,
        version=row.version,
    )
    return {"operation": op.op_id, "item": row.item_id, "version": row.version}


def _records_received(session: Session, stored: sharing.Stored) -> None:
    """Tie records shared in an operation to it and to this node's case of it."""
    op_id = stored.share.get("operation")
    if not op_id:
        return
    op = session.scalar(select(LiveOperation).where(LiveOperation.op_id == str(op_id)))
    if op is None:
        raise HandlerRefused("unknown_operation", f"no joint operation {str(op_id)[:40]!r} here")
    if stored.provider not in (op.initiator, op.partner):
        raise HandlerRefused("not_a_side", f"{stored.provider} is not a side of {op.code}")
    _open_for(op, stored.provider)
    if stored.share.get("handling_code") != op.handling_code:
        raise HandlerRefused(
            "operation_conditions",
            f"operation {op.code} shares under {op.handling_code}, "
            f"not {stored.share.get('handling_code')}",
        )
    node = _node(session)
    when = datetime.now(UTC)
    for record_type, record_id, _created in stored.records:
        if record_type == "link":
            continue
        remember(
            session, op, record_type, record_id, stored.provider, str(stored.share["id"]), when
        )
        link_to_case(session, op, record_type, record_id, node)


register_handler(INVITE, _invite)
register_handler(ACCEPT, _accept)
register_handler(DECLINE, _decline)
register_handler(CLOSE, _close)
register_handler(ITEM, _receive_item)
sharing.register_receiver(_records_received)
