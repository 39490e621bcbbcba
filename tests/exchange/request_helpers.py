"""Helpers of the request tests: one store playing both nodes, messages handed over in process.

The node is XK; its peer MK asks XK (a `request` "from MK") and XK asks MK. A message XK queues
for MK is handed back to this store's handler as if MK had sent it, so one transaction holds
both sides of the round trip: the owner's queue row and the asker's row share the reference.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from nacl.signing import SigningKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.auth import service as auth
from armsbridge.auth.principal import Principal, node_principal, principal_of
from armsbridge.exchange import service
from armsbridge.exchange.envelope import Envelope
from armsbridge.exchange.handlers import Received, handler_for
from armsbridge.exchange.hit_models import HitKey
from armsbridge.exchange.identity import KeyPair
from armsbridge.exchange.models import OutboxMessage, Peer
from armsbridge.records.service import create_record
from armsbridge.settings import Settings

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def setup_node(session: Session, settings: Settings) -> Peer:
    """Make this store node XK with peer MK; return the peer."""
    service.init_node(
        session, settings=settings, jurisdiction="XK", name="Prishtina", url=None, actor="t"
    )
    return service.add_peer(
        session,
        name="MK",
        jurisdiction="MK",
        url="http://mk.invalid",
        public_key=KeyPair(SigningKey.generate()).public_b64,
        fingerprint=None,
        actor="t",
    )


def user(session: Session, name: str, role: str) -> Principal:
    """Create an XK account of `role`; return its principal."""
    new = auth.create_user(
        session, username=name, password="correct horse battery", role=role, jurisdiction="XK"
    )
    return principal_of(getattr(new, "user", None) or auth.get_user(session, name), via="cli")


def person_with_phone(
    session: Session, family: str, number: str = "+383 44 123 456"
) -> tuple[int, int]:
    """An XK person born 1986-03-14 in Prizren and a phone linked to her; return both ids."""
    node = node_principal("XK", purpose="test")
    person = create_record(
        session,
        record_type="person",
        data={
            "given_name": "Xhafer",
            "family_name": family,
            "birth_date": "1986-03-14",
            "birth_place": "Prizren",
        },
        user=node,
    )
    phone = create_record(session, record_type="phone", data={"number_raw": number}, user=node)
    create_record(
        session,
        record_type="link",
        data={
            "kind": "user_of",
            "from_type": "person",
            "from_id": person.id,
            "to_type": "phone",
            "to_id": phone.id,
        },
        user=node,
    )
    return person.id, phone.id


def seed(session: Session, family: str) -> tuple[int, int, str]:
    """An XK person with a phone linked to her; the person's hit reference; return ids, ref."""
    person_id, phone_id = person_with_phone(session, family)
    ref = "h" + uuid.uuid4().hex[:20]
    session.add(
        HitKey(
            digest=uuid.uuid4().hex * 2,
            kind="name",
            record_type="person",
            record_id=person_id,
            ref=ref,
            epoch="e1",
        )
    )
    session.flush()
    return person_id, phone_id, ref


def hand_over(session: Session, message: OutboxMessage, now: datetime = T0) -> dict | None:
    """Apply a message this node queued for MK as though MK had sent it to this node."""
    message.state, message.delivered_at = "delivered", now
    peer = session.scalar(select(Peer).where(Peer.name == "MK"))
    envelope = Envelope(
        version=1,
        message_id=str(uuid.uuid4()),
        sender="MK",
        recipient="XK",
        sent_at=now,
        nonce=uuid.uuid4().hex,
        kind=message.kind,
        body=message.body,
        signature="",
        signed_bytes=b"",
    )
    handler = handler_for(message.kind)
    assert handler is not None, message.kind
    return handler(session, Received(envelope, peer, peer.public_key, now, Settings()))


def last_message(session: Session, kind: str) -> OutboxMessage:
    """Return the newest queued message of `kind`."""
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())
    ).first()
