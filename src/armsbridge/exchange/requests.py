"""Information requests between two nodes: asking, receiving, the queues and their clocks.

The asking node sends a `request` message (hit references or a free description, a
justification, an urgency); the owner's handler stores it in the owner's queue with the time
limit of Directive (EU) 2023/977 art. 5 counted from receipt: 8 hours for an urgent request
about information directly accessible, 3 calendar days for another urgent one, 7 calendar
days for the others. Answering (approve in part or whole, refuse with reasons) is in
exchange.request_answers. Services take a session and never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from armsbridge.audit.service import log_event
from armsbridge.auth.access import log_access
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal, check_allowed
from armsbridge.errors import NotFound, UserError
from armsbridge.exchange.handlers import HandlerRefused, Received, register_handler
from armsbridge.exchange.models import OutboxMessage, Peer
from armsbridge.exchange.request_models import URGENCIES, InfoRequest
from armsbridge.exchange.service import aware, enqueue, get_peer, require_node
from armsbridge.i18n_marker import N_
from armsbridge.records.models import RECORD_MODELS
from armsbridge.records.reading import readable

REQUEST = "request"
ASK = "exchange.request"
ANSWER = "exchange.answer"
TIME_LIMITS = {
    "urgent-direct": timedelta(hours=8),
    "urgent": timedelta(days=3),
    "normal": timedelta(days=7),
}
MAX_SUBJECTS = 50
MAX_TEXT = 4000


@dataclass(frozen=True)
class Clock:
    """The time left to answer a request (negative when overdue)."""

    due_at: datetime
    seconds_left: int

    @property
    def overdue(self) -> bool:
        """True once the time limit has passed."""
        return self.seconds_left < 0

    def parts(self) -> tuple[int, int, int]:
        """Return the time left (or overdue) as days, hours and minutes."""
        days, rest = divmod(abs(self.seconds_left), 86400)
        hours, rest = divmod(rest, 3600)
        return days, hours, rest // 60

    def text(self) -> str:
        """Return "2 d 3 h left", "5 h 12 min left" or "overdue by 1 h 4 min"."""
        days, hours, minutes = self.parts()
        if days:
            span = f"{days} d {hours} h"
        elif hours:
            span = f"{hours} h {minutes} min"
        else:
            span = f"{minutes} min"
        return f"overdue by {span}" if self.overdue else f"{span} left"


def due_after(urgency: str, start: datetime) -> datetime:
    """Return when a request of `urgency` received at `start` must be answered."""
    if urgency not in TIME_LIMITS:
        raise UserError(
            N_("urgency %(urgency)r: use one of %(value)s"),
            values={"urgency": urgency, "value": ", ".join(URGENCIES)},
        )
    return aware(start) + TIME_LIMITS[urgency]


def clock_of(row: InfoRequest, now: datetime, start: datetime | None = None) -> Clock | None:
    """Return the clock of an unanswered request (None once answered or for shares)."""
    if row.kind != "request" or row.state != "open":
        return None
    due = row.due_at if start is None else due_after(row.urgency, start)
    if due is None:
        return None
    return Clock(aware(due), int((aware(due) - now).total_seconds()))


def _subjects(raw: Any) -> list[dict[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_SUBJECTS:
        raise UserError(
            N_("give at most %(max_subjects)s hit references"),
            values={"max_subjects": MAX_SUBJECTS},
        )
    out = []
    for item in raw:
        kind = str((item or {}).get("type") or "").strip() if isinstance(item, dict) else ""
        ref = str((item or {}).get("ref") or "").strip() if isinstance(item, dict) else ""
        if kind not in RECORD_MODELS or kind == "link":
            raise UserError(
                N_("hit reference type %(kind)r: a record type such as person, firearm"),
                values={"kind": kind},
            )
        if not 1 <= len(ref) <= 64:
            raise UserError(
                N_("hit reference %(ref)r: 1 to 64 characters, as the hit gave it"),
                values={"ref": ref},
            )
        out.append({"type": kind, "ref": ref})
    return out


def _text(value: str | None, what: str, *, required: bool) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise UserError(N_("%(what)s is required"), values={"what": what})
    if len(text) > MAX_TEXT:
        raise UserError(
            N_("%(what)s: at most %(max_text)s characters"),
            values={"what": what, "max_text": MAX_TEXT},
        )
    return text or None


def create_request(
    session: Session,
    *,
    user: Principal,
    peer_name: str,
    subjects: list[dict[str, str]] | None,
    description: str | None,
    justification: str,
    urgency: str,
    case_id: int | None = None,
    now: datetime | None = None,
) -> InfoRequest:
    """Ask `peer_name` for information; queue the `request` message; log who, what, why."""
    check_allowed(user, ASK)
    moment = now or datetime.now(UTC)
    peer = get_peer(session, peer_name)
    chosen = _subjects(subjects)
    text = _text(description, "description", required=False)
    why = _text(
        justification, "justification (the other service's disclosure log shows it)", required=True
    )
    if not chosen and not text:
        raise UserError("name a hit reference or describe what you ask for")
    due_after(urgency, moment)  # checks the urgency
    if case_id is not None:
        model = RECORD_MODELS["case"]
        if session.scalar(readable("case", user).where(model.id == case_id)) is None:
            raise NotFound(
                N_("case %(case_id)s does not exist or is not yours"), values={"case_id": case_id}
            )
    ref = str(uuid.uuid4())
    body = {
        "ref": ref,
        "subjects": chosen,
        "description": text,
        "justification": why,
        "urgency": urgency,
        "requester": {"username": user.username, "name": user.display_name or user.username},
    }
    message = enqueue(session, peer=peer, kind=REQUEST, body=body, now=now)
    row = InfoRequest(
        ref=ref,
        side="asker",
        kind="request",
        peer_id=peer.id,
        requester=user.username,
        requester_name=user.display_name or user.username,
        requester_id=user.id or None,
        subjects=chosen,
        description=text,
        justification=str(why),
        urgency=urgency,
        case_id=case_id,
        state="open",
        message_id=message.message_id,
        created_at=moment,
    )
    session.add(row)
    session.flush()
    log_access(
        session,
        user=user,
        action="disclose",
        why=why,
        details={
            "exchange": "request-sent",
            "request": ref,
            "recipient": peer.jurisdiction,
            "peer": peer.name,
            "urgency": urgency,
            "subjects": chosen,
            "description": text,
            "case": case_id,
            "message_id": message.message_id,
        },
    )
    return row


def _receive_request(session: Session, message: Received) -> dict[str, Any]:
    body = message.envelope.body
    try:
        ref = str(uuid.UUID(str(body.get("ref"))))
        subjects = _subjects(body.get("subjects"))
        text = _text(body.get("description"), "description", required=False)
        why = _text(body.get("justification"), "justification", required=True)
        urgency = str(body.get("urgency"))
        due = due_after(urgency, message.now)
    except (UserError, ValueError) as exc:
        raise HandlerRefused("malformed_request", str(exc)) from exc
    if not subjects and not text:
        raise HandlerRefused("malformed_request", "a request names a reference or a description")
    requester = body.get("requester") if isinstance(body.get("requester"), dict) else {}
    existing = session.scalar(
        select(InfoRequest).where(InfoRequest.side == "owner", InfoRequest.ref == ref)
    )
    if existing is not None:
        raise HandlerRefused("duplicate_request", f"request {ref} is already in the queue")
    row = InfoRequest(
        ref=ref,
        side="owner",
        kind="request",
        peer_id=message.peer.id,
        requester=str(requester.get("username") or "?")[:120],
        requester_name=str(requester.get("name") or "")[:200] or None,
        subjects=subjects,
        description=text,
        justification=str(why),
        urgency=urgency,
        state="open",
        message_id=message.envelope.message_id,
        created_at=message.now,
        received_at=message.now,
        due_at=due,
    )
    session.add(row)
    log_event(
        session,
        actor=f"peer:{message.peer.name}",
        action="import",
        jurisdiction=require_node(session).jurisdiction,
        why=why,
        details={
            "exchange": "request-received",
            "request": ref,
            "provider": message.envelope.sender,
            "requester": row.requester,
            "urgency": urgency,
            "due_at": due.isoformat(),
            "subjects": subjects,
            "message_id": message.envelope.message_id,
        },
    )
    return {"request": ref, "due_at": due.isoformat()}


register_handler(REQUEST, _receive_request)


# --- reading the queues ------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestView:
    """A request as a list or page shows it: its row, peer, state shown, clock, reason."""

    row: InfoRequest
    peer: str
    state: str  # queued, sent, delivered, failed, refused, answered, partly, received, open
    reason: str | None
    clock: Clock | None

    def as_dict(self) -> dict[str, Any]:
        """Return the view as JSON-ready values (what `armsbridge request list --json` prints)."""
        r = self.row
        return {
            "ref": r.ref,
            "side": r.side,
            "kind": r.kind,
            "peer": self.peer,
            "state": self.state,
            "reason": self.reason,
            "urgency": r.urgency,
            "requester": r.requester,
            "subjects": r.subjects,
            "description": r.description,
            "justification": r.justification,
            "case_id": r.case_id,
            "created_at": aware(r.created_at).isoformat(),
            "due_at": self.clock.due_at.isoformat() if self.clock else None,
            "time_left": self.clock.text() if self.clock else None,
            "overdue": bool(self.clock and self.clock.overdue),
            "records_sent": r.records_sent,
            "handling_code": r.handling_code,
        }


def _views(session: Session, rows: list[InfoRequest], now: datetime) -> list[RequestView]:
    """Return the views of `rows`, their peers and outbox messages read in two queries."""
    peers = {p.id: p.name for p in session.scalars(select(Peer))}
    wanted = [
        r.message_id for r in rows if r.side == "asker" and r.state == "open" and r.message_id
    ]
    sent_rows: dict[str, OutboxMessage] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        sent_rows.update(
            (m.message_id, m)
            for m in session.scalars(
                select(OutboxMessage).where(OutboxMessage.message_id.in_(chunk))
            )
        )
    out = []
    for row in rows:
        state, reason, begin = row.state, row.reason, None
        asked_open = row.side == "asker" and row.state == "open"
        sent = sent_rows.get(row.message_id or "") if asked_open else None
        if sent is not None:
            state = sent.state
            reason = sent.last_error if sent.state in ("failed", "refused") else None
            # The asker's clock runs from delivery (the owner counts from receipt).
            begin = aware(sent.delivered_at) if sent.delivered_at else aware(row.created_at)
        if asked_open and begin is None:
            begin = aware(row.created_at)
        live = state in ("open", "queued", "sent", "delivered")
        clock = clock_of(row, now, begin) if live else None
        out.append(RequestView(row, peers.get(row.peer_id, "?"), state, reason, clock))
    return out


def _view(session: Session, row: InfoRequest, now: datetime) -> RequestView:
    return _views(session, [row], now)[0]


def visible(user: Principal, row: InfoRequest) -> bool:
    """Whether `user` may see the request: answerers see all, requesters their own."""
    if role_allows(user.role, ANSWER):
        return True
    return row.side == "asker" and role_allows(user.role, ASK) and row.requester == user.username


def list_requests(
    session: Session,
    *,
    user: Principal,
    side: str,
    state: str | None = None,
    kind: str | None = None,
    now: datetime | None = None,
    limit: int = 200,
) -> list[RequestView]:
    """Return the requests of one side the user may see, soonest due first, newest after."""
    check_allowed(user, ANSWER if side == "owner" else ASK)
    moment = now or datetime.now(UTC)
    stmt = select(InfoRequest).where(InfoRequest.side == side)
    if kind:
        stmt = stmt.where(InfoRequest.kind == kind)
    if not role_allows(user.role, ANSWER):
        stmt = stmt.where(InfoRequest.requester == user.username)
    rows = session.scalars(stmt.order_by(InfoRequest.id.desc()).limit(limit * 2)).all()
    views = _views(session, list(rows), moment)
    if state:
        views = [v for v in views if v.state == state or v.row.state == state]
    views.sort(key=lambda v: (v.clock is None, v.clock.seconds_left if v.clock else 0))
    return views[:limit]


def get_request(
    session: Session, *, user: Principal, ref: str, side: str, now: datetime | None = None
) -> RequestView:
    """Return one request the user may see; NotFound otherwise."""
    row = session.scalar(
        select(InfoRequest).where(InfoRequest.side == side, InfoRequest.ref == ref)
    )
    if row is None or not visible(user, row):
        raise NotFound(
            N_("no request %(ref)s here; `armsbridge request list` shows them"), values={"ref": ref}
        )
    return _view(session, row, now or datetime.now(UTC))


def request_counts(session: Session) -> dict[str, int]:
    """Return how many requests this node asked are in each state shown (no content)."""
    counts = dict.fromkeys(
        ("queued", "sent", "delivered", "answered", "partly", "refused", "failed"), 0
    )
    rows = session.execute(
        select(InfoRequest.state, OutboxMessage.state, func.count())
        .outerjoin(OutboxMessage, OutboxMessage.message_id == InfoRequest.message_id)
        .where(InfoRequest.side == "asker", InfoRequest.kind == "request")
        .group_by(InfoRequest.state, OutboxMessage.state)
    ).all()
    for answer, delivery, n in rows:
        state = (delivery or "queued") if answer == "open" else answer
        counts[state] = counts.get(state, 0) + int(n)
    return counts
