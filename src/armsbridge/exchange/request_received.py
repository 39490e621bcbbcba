"""What an answer leaves on the asking node: the request's new state, and the records received.

The `request-answer` handler sets the asker's row to answered, partly answered or refused (with
the reason). A receiver hook of exchange.sharing ties the records received for a request to
it, links them to the request's case and grants the requesting user access to them, so H2/H3
answers are visible to her; a share that came without a request becomes a "received" row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.audit.service import log_event
from armsbridge.auth import grants
from armsbridge.auth.models import AccessGrant, User
from armsbridge.auth.principal import Principal, node_principal
from armsbridge.exchange import sharing
from armsbridge.exchange.handlers import HandlerRefused, Received, register_handler
from armsbridge.exchange.models import Peer
from armsbridge.exchange.request_answers import ANSWER_STATES, REQUEST_ANSWER
from armsbridge.exchange.request_models import InfoRequest
from armsbridge.exchange.requests import get_request
from armsbridge.exchange.service import require_node
from armsbridge.records.handling import Marking, markings
from armsbridge.records.labels import title_of
from armsbridge.records.models import RECORD_MODELS, Link, Provenance
from armsbridge.records.reading import readable
from armsbridge.records.service import create_record


def _asker_row(session: Session, ref: str, provider: str) -> InfoRequest | None:
    return session.scalar(
        select(InfoRequest)
        .join(Peer, Peer.id == InfoRequest.peer_id)
        .where(InfoRequest.side == "asker", InfoRequest.ref == ref, Peer.jurisdiction == provider)
    )


def _receive_answer(session: Session, message: Received) -> dict[str, Any]:
    body = message.envelope.body
    state = body.get("state")
    if state not in ANSWER_STATES:
        raise HandlerRefused(
            "malformed_answer", f"answer state {state!r}: {', '.join(ANSWER_STATES)}"
        )
    row = _asker_row(session, str(body.get("ref")), message.envelope.sender)
    if row is None:
        raise HandlerRefused("unknown_request", f"no request {body.get('ref')!r} was asked of you")
    row.state, row.answered_at = state, message.now
    row.reason = str(body.get("reason") or "")[:4000] or None
    row.records_sent = int(body.get("records") or 0)
    row.share_id = str(body["share"]) if body.get("share") else None
    row.handling_code = str(body["handling_code"])[:2] if body.get("handling_code") else None
    log_event(
        session,
        actor=f"peer:{message.peer.name}",
        action="import",
        jurisdiction=require_node(session).jurisdiction,
        details={
            "exchange": f"request-{state}",
            "request": row.ref,
            "provider": message.envelope.sender,
            "records": row.records_sent,
            "reason": row.reason,
            "requester": row.requester,
            "message_id": message.envelope.message_id,
        },
    )
    return {"request": row.ref, "state": state}


def _has_grant(session: Session, record_type: str, record_id: int, user_id: int) -> bool:
    return (
        session.scalar(
            select(AccessGrant.id).where(
                AccessGrant.record_type == record_type,
                AccessGrant.record_id == record_id,
                AccessGrant.user_id == user_id,
            )
        )
        is not None
    )


def _tie(session: Session, stored: sharing.Stored) -> None:
    """Receiver hook: tie received records to their request, its case and its requester."""
    share = stored.share
    me = require_node(session).jurisdiction
    if share.get("request"):
        row = _asker_row(session, str(share["request"]), stored.provider)
        if row is None:
            return  # an answer to no request of ours: kept, marked with its request reference
        user = session.get(User, row.requester_id) if row.requester_id else None
        node = node_principal(me, purpose=f"request-{row.ref[:8]}")
        for record_type, record_id, _created in stored.records:
            if user is not None and not _has_grant(session, record_type, record_id, user.id):
                grants.grant_record(
                    session,
                    record_type=record_type,
                    record_id=record_id,
                    username=user.username,
                    reason=f"received in answer to request {row.ref}",
                    actor=node.username,
                )
            if row.case_id and record_type != "link":
                _link_to_case(session, node, row.case_id, record_type, record_id)
        return
    if share.get("operation") or not any(created for *_, created in stored.records):
        return  # an operation's contribution, or an update of records already held
    peer = session.scalar(
        select(Peer).where(Peer.jurisdiction == stored.provider, Peer.removed_at.is_(None))
    )
    session.add(
        InfoRequest(
            ref=str(share.get("id")),
            side="asker",
            kind="spontaneous",
            peer_id=peer.id if peer else 0,
            requester=f"peer:{stored.provider}",
            subjects=[],
            justification=str(share.get("purpose") or "")[:4000] or "-",
            urgency="normal",
            state="received",
            share_id=str(share.get("id")),
            handling_code=share.get("handling_code"),
            records_sent=sum(1 for t, *_ in stored.records if t != "link"),
        )
    )
    session.flush()


def _link_to_case(
    session: Session, node: Principal, case_id: int, record_type: str, record_id: int
) -> None:
    exists = session.scalar(
        select(Link.id).where(
            Link.from_type == record_type,
            Link.from_id == record_id,
            Link.to_type == "case",
            Link.to_id == case_id,
        )
    )
    if exists is None:
        create_record(
            session,
            record_type="link",
            user=node,
            data={
                "kind": "mentioned_in",
                "from_type": record_type,
                "from_id": record_id,
                "to_type": "case",
                "to_id": case_id,
            },
        )


@dataclass(frozen=True)
class ReceivedRecord:
    """A record received for a request: its type, id, title and marking (code, grades)."""

    record_type: str
    record_id: int
    title: str
    marking: Marking


def received_records(
    session: Session, *, user: Principal, ref: str, side: str = "asker"
) -> list[ReceivedRecord]:
    """Return the records received for a request (or spontaneous share) that the user may see."""
    view = get_request(session, user=user, ref=ref, side=side)
    key = Provenance.share_id if view.row.kind == "spontaneous" else Provenance.request_ref
    rows = session.scalars(select(Provenance).where(key == ref).order_by(Provenance.id)).all()
    out: list[ReceivedRecord] = []
    for record_type in sorted({r.record_type for r in rows}):
        if record_type == "link":
            continue
        ids = [r.record_id for r in rows if r.record_type == record_type]
        model = RECORD_MODELS[record_type]
        seen = session.scalars(readable(record_type, user).where(model.id.in_(ids))).all()
        marks = markings(session, record_type, ids)
        out.extend(
            ReceivedRecord(record_type, r.id, title_of(record_type, r), marks[r.id])
            for r in seen
            if r.id in marks
        )
    return out


register_handler(REQUEST_ANSWER, _receive_answer)
sharing.register_receiver(_tie)
