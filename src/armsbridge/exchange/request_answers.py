"""Answering information requests: the records a request names, approve, refuse, share.

The owner approves a request in whole or in part (which records, which fields of each, under
one handling code and 4x4 grades) or refuses it with reasons. Approval discloses through
`sharing.share_records(..., request_ref=ref)`; either way a small signed `request-answer`
message follows, so the asker's row changes state even when nothing is sent (what the answer
does on the asking node is in exchange.request_received). A spontaneous share (an alert, a
case summary) takes the same path without a prior request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.principal import Principal, check_allowed
from armsbridge.errors import Conflict, NotFound, UserError
from armsbridge.exchange import sharing
from armsbridge.exchange.hit_models import HitKey
from armsbridge.exchange.models import Disclosure, Peer
from armsbridge.exchange.request_models import InfoRequest
from armsbridge.exchange.requests import ANSWER
from armsbridge.exchange.service import enqueue, get_peer
from armsbridge.i18n_marker import N_
from armsbridge.records.labels import title_of
from armsbridge.records.models import Link
from armsbridge.records.reading import read_record, readable

REQUEST_ANSWER = "request-answer"
ANSWER_STATES = ("answered", "partly", "refused")


@dataclass(frozen=True)
class Candidate:
    """A record the owner may send in answer: referenced by the request, or linked to one."""

    record_type: str
    record_id: int
    title: str
    fields: list[str]  # the fields that can be shared (the form's checkboxes, all ticked)
    referenced: bool
    values: dict[str, str] = field(default_factory=dict)  # what each field holds, to decide


def _own_row(session: Session, ref: str) -> InfoRequest:
    row = session.scalar(
        select(InfoRequest).where(InfoRequest.side == "owner", InfoRequest.ref == ref)
    )
    if row is None:
        raise NotFound(N_("no request %(ref)s in this node's queue"), values={"ref": ref})
    return row


def referenced_records(session: Session, row: InfoRequest) -> list[tuple[str, int]]:
    """Return the node's own records the request's hit references name (type, id)."""
    found: list[tuple[str, int]] = []
    for subject in row.subjects or []:
        kind, ref = subject["type"], subject["ref"]
        ids = set(
            session.scalars(
                select(HitKey.record_id).where(HitKey.ref == ref, HitKey.record_type == kind)
            )
        ) or set(
            session.scalars(
                select(Disclosure.record_id).where(
                    Disclosure.ref == ref, Disclosure.record_type == kind
                )
            )
        )
        found.extend((kind, i) for i in sorted(ids) if (kind, i) not in found)
    return found


def candidates(session: Session, *, user: Principal, ref: str) -> list[Candidate]:
    """Return the records the user may send for request `ref`, read through the logged path."""
    check_allowed(user, ANSWER)
    row = _own_row(session, ref)
    why = f"answering request {ref} of {row.requester}: {row.justification}"[:500]
    out: list[Candidate] = []
    seen: set[tuple[str, int]] = set()

    def add(record_type: str, record_id: int, referenced: bool) -> None:
        if (record_type, record_id) in seen or record_type == "link":
            return
        try:
            record = read_record(
                session, user=user, record_type=record_type, record_id=record_id, why=why
            )
        except (NotFound, UserError):
            return  # not hers to read: not hers to send
        seen.add((record_type, record_id))
        names = [f for f in sharing.shareable_fields(record_type) if getattr(record, f, None)]
        values = {f: str(getattr(record, f)) for f in names}
        title = title_of(record_type, record)
        out.append(Candidate(record_type, record_id, title, names, referenced, values))

    named = referenced_records(session, row)
    for record_type, record_id in named:
        add(record_type, record_id, True)
    for record_type, record_id in named:
        links = session.scalars(
            readable("link", user).where(
                or_(
                    (Link.from_type == record_type) & (Link.from_id == record_id),
                    (Link.to_type == record_type) & (Link.to_id == record_id),
                )
            )
        )
        for link in links:
            other = (
                (link.to_type, link.to_id)
                if (link.from_type, link.from_id) == (record_type, record_id)
                else (link.from_type, link.from_id)
            )
            add(other[0], other[1], False)
    return out


def _answer(
    session: Session,
    row: InfoRequest,
    *,
    user: Principal,
    state: str,
    reason: str | None,
    now: datetime,
    share_id: str | None = None,
    records: int = 0,
    code: str | None = None,
) -> None:
    peer = session.get(Peer, row.peer_id)
    if peer is None or peer.removed_at is not None:
        raise UserError("the peer that asked was removed; the request cannot be answered")
    row.state, row.reason, row.answered_at, row.answered_by = state, reason, now, user.username
    row.share_id, row.records_sent, row.handling_code = share_id, records, code
    body = {
        "ref": row.ref,
        "state": state,
        "reason": reason,
        "records": records,
        "share": share_id,
        "handling_code": code,
    }
    message = enqueue(session, peer=peer, kind=REQUEST_ANSWER, body=body, now=now)
    log_access(
        session,
        user=user,
        action="disclose",
        why=reason or row.justification,
        details={
            "exchange": f"request-{state}",
            "request": row.ref,
            "recipient": peer.jurisdiction,
            "peer": peer.name,
            "records": records,
            "handling_code": code,
            "message_id": message.message_id,
        },
    )


def approve(
    session: Session,
    *,
    user: Principal,
    ref: str,
    items: Sequence[sharing.Item],
    conditions: sharing.Conditions,
    note: str | None = None,
    now: datetime | None = None,
) -> InfoRequest:
    """Send the chosen records (and fields) in answer to request `ref`; answer answered/partly."""
    check_allowed(user, ANSWER)
    moment = now or datetime.now(UTC)
    row = _own_row(session, ref)
    if row.state != "open":
        raise Conflict(
            N_("request %(ref)s was already answered (%(state)s)"),
            values={"ref": ref, "state": row.state},
        )
    if not items:
        raise UserError("choose at least one record to send, or refuse the request with a reason")
    offered = {(c.record_type, c.record_id): c for c in candidates(session, user=user, ref=ref)}
    if row.subjects:
        outside = [
            f"{i.record_type} {i.record_id}"
            for i in items
            if (i.record_type, i.record_id) not in offered
        ]
        if outside:
            raise UserError(
                N_("%(value)s: not named by the request nor linked to what it names"),
                values={"value": ", ".join(outside)},
            )
    peer = session.get(Peer, row.peer_id)
    if peer is None:
        raise UserError("the peer that asked was removed; the request cannot be answered")
    message = sharing.share_records(
        session,
        user=user,
        peer=peer,
        items=items,
        conditions=conditions,
        purpose=f"answer to request {ref}: {row.justification}"[:500],
        request_ref=ref,
        now=moment,
    )
    chosen = {(i.record_type, i.record_id): i for i in items}
    whole = all(
        key in chosen and (chosen[key].fields is None or set(c.fields) <= set(chosen[key].fields))
        for key, c in offered.items()
    )
    _answer(
        session,
        row,
        user=user,
        state="answered" if whole and not note else "partly",
        reason=(note or "").strip() or None,
        now=moment,
        share_id=message.body["share"]["id"],
        records=len(items),
        code=conditions.checked().handling_code,
    )
    return row


def refuse(
    session: Session, *, user: Principal, ref: str, reason: str, now: datetime | None = None
) -> InfoRequest:
    """Refuse request `ref`, giving reasons (2023/977 art. 5); the asker's row shows them."""
    check_allowed(user, ANSWER)
    row = _own_row(session, ref)
    if row.state != "open":
        raise Conflict(
            N_("request %(ref)s was already answered (%(state)s)"),
            values={"ref": ref, "state": row.state},
        )
    text = (reason or "").strip()
    if not text:
        raise UserError("a refusal gives its reasons: say why the request is refused")
    _answer(
        session, row, user=user, state="refused", reason=text[:4000], now=now or datetime.now(UTC)
    )
    return row


def share_spontaneously(
    session: Session,
    *,
    user: Principal,
    peer_name: str,
    items: Sequence[sharing.Item],
    conditions: sharing.Conditions,
    purpose: str,
    now: datetime | None = None,
) -> InfoRequest:
    """Share records with a peer without a prior request (an alert, a case summary)."""
    check_allowed(user, ANSWER)
    moment = now or datetime.now(UTC)
    peer = get_peer(session, peer_name)
    message = sharing.share_records(
        session,
        user=user,
        peer=peer,
        items=items,
        conditions=conditions,
        purpose=purpose,
        now=moment,
    )
    share = message.body["share"]
    row = InfoRequest(
        ref=share["id"],
        side="owner",
        kind="spontaneous",
        peer_id=peer.id,
        requester=user.username,
        requester_name=user.display_name or None,
        subjects=[],
        justification=share["purpose"],
        urgency="normal",
        state="sent",
        message_id=message.message_id,
        created_at=moment,
        answered_at=moment,
        answered_by=user.username,
        handling_code=share["handling_code"],
        records_sent=len(items),
        share_id=share["id"],
    )
    session.add(row)
    session.flush()
    return row
