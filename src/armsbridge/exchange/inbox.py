"""Receiving one envelope: check everything, apply it once, answer with a signed receipt.

Checks, in order (the first that fails refuses the message): size, JSON shape, protocol
version, recipient, sender is an active peer, signature (the peer's key, or its previous key
within the grace period), time within the allowed skew, nonce and message id never seen, kind
known. A message that passes is recorded in the inbox and handled in ONE transaction: applied
exactly once. A refusal is never applied; it is logged in the audit log (action "refused",
details.reason) in a transaction of its own, and answered with a signed receipt saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from armsbridge.audit.service import log_event
from armsbridge.db.session import session_scope
from armsbridge.exchange import envelope as env
from armsbridge.exchange import identity, refusal_log
from armsbridge.exchange.handlers import HandlerRefused, Received, handler_for
from armsbridge.exchange.models import InboxMessage
from armsbridge.exchange.service import peer_for_sender, peer_keys, require_node
from armsbridge.settings import Settings

# HTTP status of each refusal; the receipt says the same in words.
REFUSAL_STATUS = {
    "too_large": 413,
    "malformed": 400,
    "unknown_version": 400,
    "wrong_recipient": 403,
    "unknown_peer": 403,
    "removed_peer": 403,
    "bad_signature": 403,
    "too_old": 409,
    "in_future": 409,
    "replay": 409,
    "duplicate": 200,  # the sender sent it again (a lost answer): applied once, confirmed again
    "unknown_kind": 400,
    "conflict": 409,
}
HANDLER_REFUSAL_STATUS = 422


class Refusal(Exception):
    """A check failed: `reason` is the code, the message explains it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    """The HTTP status and signed receipt the inbox answers with."""

    status_code: int
    receipt: dict[str, Any]


def check(
    session: Session, envelope: env.Envelope, *, settings: Settings, now: datetime
) -> Received:
    """Run every check on a parsed envelope; return it ready for its handler or raise Refusal."""
    if envelope.version not in env.SUPPORTED_VERSIONS:
        raise Refusal(
            "unknown_version",
            f"protocol version {envelope.version} is not one this node speaks "
            f"({', '.join(map(str, sorted(env.SUPPORTED_VERSIONS)))})",
        )
    node = require_node(session)
    if envelope.recipient != node.jurisdiction:
        raise Refusal(
            "wrong_recipient",
            f"the message is for {envelope.recipient!r}; this node is {node.jurisdiction}",
        )
    peer, removed = peer_for_sender(session, envelope.sender)
    if peer is None:
        reason = "removed_peer" if removed else "unknown_peer"
        raise Refusal(reason, f"{envelope.sender!r} is not an active peer of this node ({reason})")
    verified = next((k for k in peer_keys(peer, now) if env.signed_by(envelope, k)), None)
    if verified is None:
        raise Refusal(
            "bad_signature",
            f"the signature does not verify with the key of peer {peer.name!r}: tampered "
            "with, or signed by a key this node does not know",
        )
    skew = timedelta(seconds=settings.exchange_max_skew_seconds)
    if envelope.sent_at < now - skew:
        raise Refusal(
            "too_old",
            f"sent at {env.format_time(envelope.sent_at)}, more than "
            f"{settings.exchange_max_skew_seconds} s before this node's clock",
        )
    if envelope.sent_at > now + skew:
        raise Refusal(
            "in_future",
            f"sent at {env.format_time(envelope.sent_at)}, more than "
            f"{settings.exchange_max_skew_seconds} s after this node's clock",
        )
    if session.scalar(select(InboxMessage.id).where(InboxMessage.nonce == envelope.nonce)):
        raise Refusal("replay", f"nonce {envelope.nonce!r} was already used (a replay)")
    if session.scalar(
        select(InboxMessage.id).where(InboxMessage.message_id == envelope.message_id)
    ):
        raise Refusal(
            "duplicate", f"message {envelope.message_id} was already applied; not applied again"
        )
    if handler_for(envelope.kind) is None:
        raise Refusal(
            "unknown_kind", f"this node does not accept messages of kind {envelope.kind!r}"
        )
    return Received(envelope, peer, verified, now, settings)


def _apply(session: Session, message: Received) -> dict[str, Any]:
    e = message.envelope
    session.add(
        InboxMessage(
            message_id=e.message_id,
            nonce=e.nonce,
            sender=e.sender,
            kind=e.kind,
            sent_at=e.sent_at,
            received_at=message.now,
        )
    )
    session.flush()  # a concurrent copy of the same message fails here, before any effect
    handler = handler_for(e.kind)
    assert handler is not None
    return handler(session, message) or {}


def _log_refusal(
    factory: sessionmaker[Session],
    parsed: env.Envelope | None,
    refusal: Refusal,
    me: str,
    *,
    settings: Settings,
    now: datetime,
) -> None:
    sender = parsed.sender if parsed else None
    full, summaries = refusal_log.admit(
        sender or "unknown",
        refusal.reason,
        per_minute=settings.exchange_refusal_log_per_minute,
        now=now,
    )
    if not full and not summaries:
        return  # counted: one summary entry is written when the minute is over
    with session_scope(factory) as session:
        refusal_log.write_summaries(session, summaries, jurisdiction=me)
        if not full:
            return
        # The entry belongs to this node's service (its auditors see it), whoever claims to send.
        log_event(
            session,
            actor=f"peer:{sender}" if sender else "peer:unknown",
            action="refused",
            jurisdiction=me,
            details={
                "refused": True,
                "exchange": "inbox",
                "reason": refusal.reason,
                "message": str(refusal)[:300],
                "message_id": parsed.message_id if parsed else None,
                "kind": parsed.kind if parsed else None,
                "sender": sender,
            },
        )


def _applied(factory: sessionmaker[Session], message_id: str) -> bool:
    with session_scope(factory) as session:
        found = session.scalar(select(InboxMessage.id).where(InboxMessage.message_id == message_id))
        return found is not None


def receive(
    factory: sessionmaker[Session], raw: bytes, *, settings: Settings, now: datetime
) -> Answer:
    """Receive one envelope's raw bytes; apply it once or refuse it; return the signed answer."""
    key = identity.current_key(settings)
    with session_scope(factory) as session:
        me = require_node(session).jurisdiction
    parsed: env.Envelope | None = None
    result: dict[str, Any] = {}
    try:
        if len(raw) > settings.exchange_max_envelope_bytes:
            raise Refusal(
                "too_large",
                f"over {settings.exchange_max_envelope_bytes} bytes, the limit "
                "(ARMSBRIDGE_EXCHANGE_MAX_ENVELOPE_BYTES)",
            )
        try:
            parsed = env.parse(raw)
        except env.Malformed as exc:
            raise Refusal("malformed", str(exc)) from exc
        try:
            with session_scope(factory) as session:
                message = check(session, parsed, settings=settings, now=now)
                result = _apply(session, message)
        except HandlerRefused as exc:
            raise Refusal(exc.reason, str(exc)) from exc
        except IntegrityError as exc:
            if _applied(factory, parsed.message_id):
                raise Refusal(
                    "duplicate", f"message {parsed.message_id} was already applied"
                ) from exc
            # The message's effect broke a rule of this store: nothing of it was applied.
            raise Refusal(
                "conflict", f"the message could not be applied here: {str(exc.orig)[:200]}"
            ) from exc
    except Refusal as refusal:
        _log_refusal(factory, parsed, refusal, me, settings=settings, now=now)
        status = "duplicate" if refusal.reason == "duplicate" else "refused"
        return Answer(
            REFUSAL_STATUS.get(refusal.reason, HANDLER_REFUSAL_STATUS),
            env.receipt(
                message_id=parsed.message_id if parsed else None,
                receiver=me,
                status=status,
                reason=f"{refusal.reason}: {refusal}",
                key=key,
                now=now,
            ),
        )
    return Answer(
        200,
        env.receipt(
            message_id=parsed.message_id,
            receiver=me,
            status="accepted",
            reason=None,
            key=key,
            now=now,
            result=result,
        ),
    )
