"""The delivery worker: sends the outbox to peers, in order, with retries, back-off and jitter.

Each peer's messages go in the order they were queued; a message that cannot be delivered yet
holds back the later ones to the same peer (a key rotation reaches the peer before messages
signed by the new key; an update never overtakes what it updates). A row is marked `sent`
(committed) before it is posted, with its next attempt already scheduled: a worker killed
mid-flight leaves it to be sent again after the back-off, and the peer's inbox, which applies a
message id once, answers the second copy as a duplicate. State lives in the store only, so the
worker survives restarts. `now` can be given (tests control the clock).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.exchange import envelope as env
from armsbridge.exchange import identity, pruning
from armsbridge.exchange.models import STATES, OutboxMessage, Peer
from armsbridge.exchange.service import KEY_ROTATION, aware, peer_keys, require_node
from armsbridge.exchange.sharing import queue_updates
from armsbridge.matching.received import match_received, pending
from armsbridge.settings import Settings

log = logging.getLogger("armsbridge.exchange")
PENDING = ("queued", "sent")
# Refusals a later attempt can overcome (clocks set right, the peer adds us, learns our key).
RETRYABLE_REFUSALS = frozenset(
    {"too_old", "in_future", "unknown_peer", "removed_peer", "bad_signature"}
)
INBOX_PATH = "/exchange/inbox"

Transport = Callable[[str, bytes, float], tuple[int, Any]]


class TransportError(Exception):
    """The peer could not be reached or did not answer."""


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def _http() -> httpx.Client:
    # One client per process: its connections to each peer are kept open between messages.
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(headers={"content-type": "application/json"})
        return _client


def http_transport(url: str, content: bytes, timeout: float) -> tuple[int, Any]:
    """POST `content` to `url`; return (status, parsed JSON or None); TransportError if down."""
    try:
        answer = _http().post(url, content=content, timeout=timeout)
    except httpx.HTTPError as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}") from exc
    try:
        return answer.status_code, answer.json()
    except ValueError:
        return answer.status_code, None


def backoff_seconds(
    attempts: int, settings: Settings, rand: Callable[[], float] = random.random
) -> float:
    """Return the wait before attempt `attempts + 1`: doubling, capped, with jitter (50-100 %)."""
    step = settings.exchange_retry_base_seconds * 2 ** max(0, min(attempts - 1, 30))
    return min(settings.exchange_retry_max_seconds, step) * (0.5 + 0.5 * rand())


@dataclass
class Report:
    """What one pass of the worker did."""

    delivered: int = 0
    retrying: int = 0
    refused: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        """Return how many messages the pass tried to send."""
        return self.delivered + self.retrying + self.refused + self.failed


def _clock(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _finish(row: OutboxMessage, state: str, now: datetime, error: str | None) -> None:
    row.state, row.last_error = state, error
    if state == "delivered":
        row.delivered_at = now


def _claim(
    session: Session, row_id: int, settings: Settings, now: datetime
) -> OutboxMessage | None:
    row = session.get(OutboxMessage, row_id)
    if row is None or row.state not in PENDING:
        return None
    row.attempts += 1
    row.state, row.sent_at = "sent", now
    row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts, settings))
    return row


def _signed(
    row: OutboxMessage, *, settings: Settings, sender: str, peer: Peer, now: datetime
) -> bytes:
    key = identity.key_for(settings, row.signer_key)
    if key is None and row.kind != KEY_ROTATION:
        key = identity.current_key(settings)  # the queued-time key is gone: sign with today's
    if key is None:
        raise identity.NoIdentity(
            "the key that must sign this key rotation (the old key) is no longer on this node"
        )
    envelope = env.build(
        message_id=row.message_id,
        sender=sender,
        recipient=peer.jurisdiction,
        kind=row.kind,
        body=row.body,
        key=key,
        now=now,
    )
    return env.canonical(envelope)


def _outcome(row: OutboxMessage, peer: Peer, status: int, data: Any, now: datetime) -> str:
    """Apply the peer's answer to the row; return the row's new state."""
    if not env.receipt_valid(data, peer_keys(peer, now), row.message_id):
        _finish(
            row, "queued", now, f"HTTP {status}: the answer is not a receipt signed by the peer"
        )
        return "queued"
    row.receipt = data
    if data.get("status") in ("accepted", "duplicate"):
        _finish(row, "delivered", now, None)
        return "delivered"
    reason = str(data.get("reason") or "refused")
    if reason.split(":", 1)[0] in RETRYABLE_REFUSALS:
        _finish(row, "queued", now, f"refused for now by the peer: {reason}")
        return "queued"
    _finish(row, "refused", now, f"refused by the peer: {reason}")
    return "refused"


def send_one(
    factory: sessionmaker[Session],
    row_id: int,
    *,
    settings: Settings,
    now: datetime | None = None,
    transport: Transport = http_transport,
) -> str | None:
    """Try to deliver one outbox row now; return its new state (None if it was not pending)."""
    moment = _clock(now)
    with session_scope(factory) as session:
        row = _claim(session, row_id, settings, moment)
        if row is None:
            return None
        peer = session.get(Peer, row.peer_id)
        sender = require_node(session).jurisdiction
        if peer is None or peer.removed_at is not None:
            _finish(row, "failed", moment, "the peer was removed before the message was sent")
            return "failed"
        if not peer.url:
            _finish(row, "failed", moment, f"peer {peer.name!r} has no URL to send to")
            return "failed"
        if aware(row.created_at) < moment - timedelta(hours=settings.exchange_give_up_hours):
            _finish(row, "failed", moment, f"not delivered in {settings.exchange_give_up_hours} h")
            return "failed"
        try:
            content = _signed(row, settings=settings, sender=sender, peer=peer, now=moment)
        except identity.NoIdentity as exc:
            _finish(row, "failed", moment, str(exc))
            return "failed"
        url, message_id = f"{peer.url}{INBOX_PATH}", row.message_id
    error: str | None = None
    status, data = 0, None
    try:
        status, data = transport(url, content, settings.exchange_timeout_seconds)
    except TransportError as exc:
        error = f"{url} did not answer: {exc}"
    with session_scope(factory) as session:
        row = session.get(OutboxMessage, row_id)
        peer = session.get(Peer, row.peer_id) if row else None
        if row is None or peer is None or row.message_id != message_id:
            return None
        if error is not None:
            _finish(row, "queued", _clock(now), error)
            return "queued"
        return _outcome(row, peer, status, data, _clock(now))


def deliver_once(
    factory: sessionmaker[Session],
    *,
    settings: Settings,
    now: datetime | None = None,
    transport: Transport = http_transport,
    limit: int = 10_000,
) -> Report:
    """Send every due message once, each peer's in queued order; return what happened."""
    report = Report()
    moment = _clock(now)
    with session_scope(factory) as session:
        pending = session.execute(
            select(OutboxMessage.id, OutboxMessage.peer_id, OutboxMessage.next_attempt_at)
            .where(OutboxMessage.state.in_(PENDING))
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()
    held: set[int] = set()  # peers whose earlier message is not delivered: later ones wait
    for row_id, peer_id, due in pending:
        if peer_id in held:
            continue
        if aware(due) > moment:
            held.add(peer_id)
            continue
        state = send_one(factory, row_id, settings=settings, now=now, transport=transport)
        if state == "delivered":
            report.delivered += 1
        elif state == "queued":
            report.retrying += 1
            held.add(peer_id)
        elif state == "refused":
            report.refused += 1
        elif state == "failed":
            report.failed += 1
    return report


def status_counts(session: Session) -> dict[str, int]:
    """Return how many outbox messages are in each state (every state, zeros included)."""
    rows = session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    ).all()
    counts = dict.fromkeys(STATES, 0)
    counts.update({state: int(n) for state, n in rows})
    return counts


def recent_messages(
    session: Session, *, limit: int = 100, state: str | None = None
) -> list[dict[str, Any]]:
    """Return the newest outbox messages (no body: kind, peer, state, attempts, times, error)."""
    stmt = (
        select(OutboxMessage, Peer.name)
        .join(Peer, Peer.id == OutboxMessage.peer_id)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    if state:
        stmt = stmt.where(OutboxMessage.state == state)
    out = []
    for row, peer_name in session.execute(stmt).all():
        out.append(
            {
                "message_id": row.message_id,
                "peer": peer_name,
                "kind": row.kind,
                "state": row.state,
                "attempts": row.attempts,
                "created_at": aware(row.created_at).isoformat(),
                "next_attempt_at": aware(row.next_attempt_at).isoformat()
                if row.state in PENDING
                else None,
                "delivered_at": aware(row.delivered_at).isoformat() if row.delivered_at else None,
                "last_error": row.last_error,
            }
        )
    return out


class Worker(threading.Thread):
    """The delivery worker as a daemon thread (inside `armsbridge serve`); stop() ends it."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="armsbridge-exchange-delivery", daemon=True)
        self.settings = settings
        self.stopping = threading.Event()

    def run(self) -> None:
        """Deliver due messages every exchange_poll_seconds until stopped."""
        engine = engine_from_settings(self.settings)
        factory = make_sessionmaker(engine)
        try:
            while not self.stopping.is_set():
                run_pass(factory, self.settings)
                self.stopping.wait(self.settings.exchange_poll_seconds)
        finally:
            engine.dispose()

    def stop(self) -> None:
        """Ask the worker to stop after its current pass."""
        self.stopping.set()


def run_pass(factory: sessionmaker[Session], settings: Settings) -> Report | None:
    """Run one pass; a fault is logged (the worker goes on), never raised."""
    try:
        with session_scope(factory) as session:
            queue_updates(session)  # changes to records already disclosed go out in this pass
        report = deliver_once(factory, settings=settings)
        pruning.housekeep(factory, settings=settings, now=datetime.now(UTC))  # inbox, summaries
        with session_scope(factory) as session:
            if pending(session):  # records received since the last pass meet the node's own
                match_received(session, settings=settings)
        return report
    except identity.NoIdentity:
        return None  # the node is not initialised for the exchange: nothing to send
    except Exception:  # noqa: BLE001 - the worker must outlive a bad pass
        log.exception("exchange delivery pass failed")
        return None
