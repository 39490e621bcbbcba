"""Node identity, peers and the outbox: plain functions that take a session and never commit.

`enqueue()` is how every domain sends a message: it writes one outbox row in the caller's
transaction, so the message exists if and only if the change that caused it was committed.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from armsbridge.audit.service import log_event
from armsbridge.db.keys import fingerprint_of, node_settings
from armsbridge.errors import Conflict, NotFound, UserError
from armsbridge.exchange import identity
from armsbridge.exchange.handlers import HandlerRefused, Received, register_handler
from armsbridge.exchange.models import NodeIdentity, OutboxMessage, Peer
from armsbridge.i18n_marker import N_
from armsbridge.settings import Settings

JURISDICTION = re.compile(r"^[A-Z]{2}$")
PEER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
KIND = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
PING = "ping"
KEY_ROTATION = "key-rotation"


@dataclass(frozen=True)
class NodeView:
    """What `node show` prints."""

    jurisdiction: str
    name: str
    url: str | None
    public_key: str
    fingerprint: str
    previous_fingerprint: str | None
    previous_until: datetime | None
    key_source: str  # "file" or "setting"

    def as_dict(self) -> dict[str, Any]:
        """Return the view as JSON-ready values."""
        out = dict(self.__dict__)
        out["previous_until"] = self.previous_until.isoformat() if self.previous_until else None
        return out


def aware(moment: datetime) -> datetime:
    """Return a stored time as UTC-aware (SQLite gives back naive datetimes; the store is UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _jurisdiction(value: str) -> str:
    code = value.strip().upper()
    if not JURISDICTION.match(code):
        raise UserError(
            N_("jurisdiction %(value)r is not a two-letter code (XK, MK)"), values={"value": value}
        )
    return code


def _url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    url = value.strip().rstrip("/")
    if not re.match(r"^https?://[^\s/]+", url):
        raise UserError(
            N_("URL %(value)r must start with http:// or https:// and name a host"),
            values={"value": value},
        )
    return url


def node_row(session: Session) -> NodeIdentity | None:
    """Return this node's identity row, or None before `node init`."""
    return session.scalar(select(NodeIdentity).order_by(NodeIdentity.id).limit(1))


def require_node(session: Session) -> NodeIdentity:
    """Return this node's identity row; NoIdentity (naming the command) if there is none."""
    row = node_row(session)
    if row is None:
        raise identity.NoIdentity(
            "this node has no exchange identity: run "
            "`armsbridge node init --jurisdiction XK --name NAME [--url URL]`"
        )
    return row


def init_node(
    session: Session,
    *,
    settings: Settings,
    jurisdiction: str,
    name: str,
    url: str | None,
    actor: str,
) -> NodeView:
    """Create (or update the name and URL of) this node's identity and its exchange key."""
    code = _jurisdiction(jurisdiction)
    name = name.strip()
    if not 0 < len(name) <= 120:
        raise UserError(
            N_("node name %(name)r must have 1 to 120 characters"), values={"name": name}
        )
    row = node_row(session)
    if row is not None and row.jurisdiction != code:
        raise Conflict(
            N_(
                "this node is already initialised as %(jurisdiction)s; a node serves one "
                "jurisdiction, so it cannot become %(code)s (use a new var dir for another "
                "node)"
            ),
            values={"jurisdiction": row.jurisdiction, "code": code},
        )
    key = identity.create_key(settings)
    if row is None:
        row = NodeIdentity(jurisdiction=code, name=name, url=_url(url), public_key=key.public_b64)
        session.add(row)
    else:
        row.name, row.url, row.public_key = name, _url(url) or row.url, key.public_b64
    log_event(
        session,
        actor=actor,
        action="admin",
        jurisdiction=code,
        details={"exchange": "node-init", "name": name, "fingerprint": key.fingerprint},
    )
    return show_node(session, settings=settings)


def show_node(session: Session, *, settings: Settings) -> NodeView:
    """Return this node's identity as peers see it."""
    row = require_node(session)
    key = identity.current_key(settings)
    return NodeView(
        jurisdiction=row.jurisdiction,
        name=row.name,
        url=row.url,
        public_key=key.public_b64,
        fingerprint=key.fingerprint,
        previous_fingerprint=fingerprint_of(row.previous_key) if row.previous_key else None,
        previous_until=row.previous_until,
        key_source="setting" if identity.key_from_setting(settings) else "file",
    )


def rotate_node_key(session: Session, *, settings: Settings, now: datetime, actor: str) -> int:
    """Rotate the exchange key and queue a key-rotation message to every peer; return how many.

    Each message is signed by the OLD key (its signer_key), so peers that know only that key
    accept it; the old key stays valid for exchange_key_grace_hours.
    """
    row = require_node(session)
    peers = active_peers(session)
    old, new = identity.rotate_key(settings)
    row.previous_key, row.public_key = old.public_b64, new.public_b64
    row.previous_until = now + timedelta(hours=settings.exchange_key_grace_hours)
    row.rotated_at = now
    body = {
        "public_key": new.public_b64,
        "fingerprint": new.fingerprint,
        "previous_fingerprint": old.fingerprint,
    }
    for peer in peers:
        enqueue(
            session, peer=peer, kind=KEY_ROTATION, body=body, signer_key=old.public_b64, now=now
        )
    log_event(
        session,
        actor=actor,
        action="admin",
        jurisdiction=row.jurisdiction,
        details={"exchange": "key-rotation", **body, "peers": [p.name for p in peers]},
    )
    return len(peers)


def active_peers(session: Session) -> list[Peer]:
    """Return the peers not removed, by name."""
    return list(session.scalars(select(Peer).where(Peer.removed_at.is_(None)).order_by(Peer.name)))


def all_peers(session: Session) -> list[Peer]:
    """Return every peer, removed ones included, by name and date added."""
    return list(session.scalars(select(Peer).order_by(Peer.name, Peer.added_at)))


def get_peer(session: Session, name: str) -> Peer:
    """Return the active peer called `name`; NotFound names the command that lists them."""
    peer = session.scalar(select(Peer).where(Peer.name == name, Peer.removed_at.is_(None)))
    if peer is None:
        raise NotFound(
            N_("no peer named %(name)r; `armsbridge peer list` shows the peers"),
            values={"name": name},
        )
    return peer


def peer_for_sender(session: Session, jurisdiction: str) -> tuple[Peer | None, bool]:
    """Return (the active peer of `jurisdiction`, whether a removed one exists)."""
    active = session.scalar(
        select(Peer).where(Peer.jurisdiction == jurisdiction, Peer.removed_at.is_(None))
    )
    if active is not None:
        return active, False
    removed = session.scalar(select(func.count()).where(Peer.jurisdiction == jurisdiction))
    return None, bool(removed)


def peer_keys(peer: Peer, now: datetime) -> list[str]:
    """Return the peer's keys accepted now: its current one, and its previous within the grace."""
    found = [peer.public_key]
    if peer.previous_key and peer.previous_until and aware(peer.previous_until) > now:
        found.append(peer.previous_key)
    return found


def decode_public_key(value: str, *, field: str = "--key") -> str:
    """Return a base64 Ed25519 public key in canonical form; UserError if it is not one."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UserError(
            N_("%(field)s %(value)r is not base64"), values={"field": field, "value": value[:60]}
        ) from exc
    if len(raw) != 32:
        raise UserError(
            N_("%(field)s decodes to %(count_raw)s bytes; an Ed25519 public key has 32"),
            values={"field": field, "count_raw": len(raw)},
        )
    return base64.b64encode(raw).decode("ascii")


def normal_fingerprint(value: str) -> str:
    """Return a fingerprint without spaces, colons or case (how two are compared)."""
    return re.sub(r"[\s:]", "", value).lower()


def add_peer(
    session: Session,
    *,
    name: str,
    jurisdiction: str,
    url: str | None,
    public_key: str,
    fingerprint: str | None,
    actor: str,
) -> Peer:
    """Add a peer whose key matches the fingerprint checked out of band (when given)."""
    if not PEER_NAME.match(name):
        raise UserError(
            N_("peer name %(name)r: use 1-40 letters, digits, '.', '_' or '-'"),
            values={"name": name},
        )
    code = _jurisdiction(jurisdiction)
    key = decode_public_key(public_key)
    found = fingerprint_of(key)
    if fingerprint is not None and normal_fingerprint(fingerprint) != normal_fingerprint(found):
        raise UserError(
            N_(
                "the key of peer %(name)r has the fingerprint %(found)s, not "
                "%(fingerprint)r: do not add it; check the fingerprint with the other node's "
                "administrator"
            ),
            values={"name": name, "found": found, "fingerprint": fingerprint},
        )
    own = node_row(session)
    if own is not None and own.jurisdiction == code:
        raise UserError(
            N_("peer %(name)r is of this node's own jurisdiction (%(code)s)"),
            values={"name": name, "code": code},
        )
    for existing in active_peers(session):
        if existing.name == name or existing.jurisdiction == code:
            raise Conflict(
                N_(
                    "peer %(name)r (%(jurisdiction)s) already exists: `armsbridge peer remove "
                    "%(bare_name)s` first to replace it"
                ),
                values={
                    "name": existing.name,
                    "jurisdiction": existing.jurisdiction,
                    "bare_name": existing.name,
                },
            )
    peer = Peer(name=name, jurisdiction=code, url=_url(url), public_key=key)
    session.add(peer)
    log_event(
        session,
        actor=actor,
        action="admin",
        jurisdiction=own.jurisdiction if own else None,
        details={"exchange": "peer-add", "peer": name, "jurisdiction": code, "fingerprint": found},
    )
    return peer


def remove_peer(session: Session, *, name: str, now: datetime, actor: str) -> Peer:
    """Mark a peer removed: its messages are refused from now on, its queued ones not sent."""
    peer = get_peer(session, name)
    peer.removed_at = now
    own = node_row(session)
    log_event(
        session,
        actor=actor,
        action="admin",
        jurisdiction=own.jurisdiction if own else None,
        details={"exchange": "peer-remove", "peer": name, "jurisdiction": peer.jurisdiction},
    )
    return peer


def enqueue(
    session: Session,
    *,
    peer: Peer,
    kind: str,
    body: dict[str, Any],
    signer_key: str | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """Queue a message to `peer` in the caller's transaction (never commits); return its row.

    The message is signed when it is sent (a fresh time and nonce on every attempt), by the key
    current now or `signer_key`; `now` is for tests that control the clock.
    """
    if not KIND.match(kind):
        raise ValueError(f"message kind {kind!r}: lower-case letters, digits and '-'")
    if peer.removed_at is not None:
        raise UserError(
            N_("peer %(name)r was removed; no message can be sent to it"),
            values={"name": peer.name},
        )
    # Signed by the key current when queued: messages queued before a key rotation then reach
    # the peer before the rotation does (delivery keeps each peer's order), signed by the old key.
    signer = signer_key or identity.current_key(node_settings()).public_b64
    row = OutboxMessage(
        message_id=str(uuid.uuid4()),
        peer_id=peer.id,
        kind=kind,
        body=body,
        signer_key=signer,
        state="queued",
        attempts=0,
    )
    if now is not None:
        row.created_at = row.next_attempt_at = now
    session.add(row)
    session.flush()
    return row


def _ping(session: Session, message: Received) -> dict[str, Any]:
    message.peer.pings_received = (message.peer.pings_received or 0) + 1
    message.peer.last_ping_at = message.now
    return {"pong": True}


def _key_rotation(session: Session, message: Received) -> dict[str, Any]:
    peer, body = message.peer, message.envelope.body
    if message.verified_key != peer.public_key:
        raise HandlerRefused("stale_key", "a key rotation must be signed by the peer's current key")
    try:
        new_key = decode_public_key(str(body.get("public_key", "")), field="public_key")
    except UserError as exc:
        raise HandlerRefused("bad_key", str(exc)) from exc
    if normal_fingerprint(str(body.get("fingerprint", ""))) != normal_fingerprint(
        fingerprint_of(new_key)
    ):
        raise HandlerRefused("bad_key", "the fingerprint does not match the new public key")
    peer.previous_key, peer.public_key = peer.public_key, new_key
    peer.previous_until = message.now + timedelta(hours=message.settings.exchange_key_grace_hours)
    log_event(
        session,
        actor=f"peer:{peer.name}",
        action="admin",
        jurisdiction=require_node(session).jurisdiction,  # this node's auditors see it
        details={
            "exchange": "peer-key-rotated",
            "peer": peer.name,
            "fingerprint": fingerprint_of(new_key),
            "previous_fingerprint": fingerprint_of(peer.previous_key),
            "message_id": message.envelope.message_id,
        },
    )
    return {"accepted_fingerprint": fingerprint_of(new_key)}


register_handler(PING, _ping)
register_handler(KEY_ROTATION, _key_rotation)
