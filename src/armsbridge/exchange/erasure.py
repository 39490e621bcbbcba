"""An erased record that was disclosed to a peer is erased from the peer's node too.

LED art. 16(6) and 7(3): a controller that erases personal data it transmitted tells the
recipients, who erase their copy. When a record this node disclosed (exchange.models.Disclosure)
is erased, the same transaction queues an `erasure` message to each peer that holds it, naming the
record by the reference it was disclosed under, and forgets the disclosure (so a later record
that reuses the id is never sent as an update of it). The peer's handler erases its copy,
found by provider and reference, and its provenance, in the transaction that records the
message: applied once, whole or not at all. A copy the peer no longer holds is counted, not
refused. Both sides write the erasure to their audit log.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.audit.service import log_event
from armsbridge.auth.principal import node_principal
from armsbridge.exchange.handlers import HandlerRefused, Received, register_handler
from armsbridge.exchange.models import Disclosure, Peer
from armsbridge.exchange.service import enqueue, require_node
from armsbridge.records.models import RECORD_MODELS, Provenance
from armsbridge.records.service import delete_record

ERASURE = "erasure"
MAX_RECORDS = 1000  # records named in one erasure message


def queue_erasure(session: Session, record_type: str, record_id: int) -> int:
    """Queue an erasure of the record to each peer it was disclosed to; return how many peers.

    Called by records.service.delete_record in the erasure's transaction (records.service
    .on_erase); the disclosures are forgotten with it.
    """
    rows = session.scalars(
        select(Disclosure).where(
            Disclosure.record_type == record_type, Disclosure.record_id == record_id
        )
    ).all()
    for row in rows:
        peer = session.get(Peer, row.peer_id)
        if peer is not None and peer.removed_at is None:
            _tell(session, peer, [row])
        session.delete(row)
    session.flush()
    return len(rows)


def _tell(session: Session, peer: Peer, disclosed: list[Disclosure]) -> None:
    named = [{"type": row.record_type, "ref": row.ref} for row in disclosed]
    message = enqueue(session, peer=peer, kind=ERASURE, body={"records": named})
    log_event(
        session,
        actor="node",
        action="erase",
        jurisdiction=require_node(session).jurisdiction,
        recipient=peer.name,
        details={
            "exchange": "erasure-sent",
            "message_id": message.message_id,
            "peer": peer.name,
            "records": named,
        },
    )


def _receive_erasure(session: Session, message: Received) -> dict[str, Any]:
    named = message.envelope.body.get("records")
    if not isinstance(named, list) or not 0 < len(named) <= MAX_RECORDS:
        raise HandlerRefused("malformed_erasure", f"`records`: a list of 1 to {MAX_RECORDS}")
    provider = message.envelope.sender
    node = node_principal(provider, purpose=f"erasure-from-{message.peer.name}")
    erased, unknown = [], 0
    for entry in named:
        if not isinstance(entry, dict) or entry.get("type") not in RECORD_MODELS:
            raise HandlerRefused("malformed_erasure", f"unknown record in {str(entry)[:80]!r}")
        prov = session.scalar(
            select(Provenance).where(
                Provenance.provider == provider,
                Provenance.record_type == entry["type"],
                Provenance.remote_ref == str(entry.get("ref") or ""),
            )
        )
        if prov is None:
            unknown += 1
            continue
        if session.get(RECORD_MODELS[prov.record_type], prov.record_id) is not None:
            delete_record(
                session,
                record_type=prov.record_type,
                record_id=prov.record_id,
                user=node,
                why=f"erased by its provider {provider} (message {message.envelope.message_id})",
            )
        erased.append({"type": prov.record_type, "id": prov.record_id})
        session.delete(prov)
    session.flush()
    log_event(
        session,
        actor=f"peer:{message.peer.name}",
        action="erase",
        jurisdiction=require_node(session).jurisdiction,
        details={
            "exchange": "erasure-received",
            "provider": provider,
            "message_id": message.envelope.message_id,
            "erased": erased,
            "not_held": unknown,
        },
    )
    return {"erased": len(erased), "not_held": unknown}


register_handler(ERASURE, _receive_erasure)
