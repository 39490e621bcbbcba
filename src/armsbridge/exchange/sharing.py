"""Sharing records with a peer, and storing what a peer shares as foreign records.

One path for every disclosure: the answer to an information request, a spontaneous alert, a
joint operation's contribution. `share_records` reads each record as the user (restrict), refuses
anything received under H2, keeps only the fields chosen, logs a disclosure per record (LED
art. 25: who, what, to whom, why) and queues one `records` message. The peer's handler stores the
records with their provenance (records.models.Provenance) in the transaction that records the
message in its inbox: applied once, whole or not at all. A record shared again (an update) has
the same reference, so the peer updates its copy instead of adding one; `queue_updates` sends
changes to records already disclosed, with the fields and conditions of their disclosure.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.audit.service import log_event
from armsbridge.auth.access import log_access
from armsbridge.auth.principal import Principal, node_principal
from armsbridge.errors import NotFound, UserError, ValidationFailed
from armsbridge.exchange.handlers import HandlerRefused, Received, register_handler
from armsbridge.exchange.hitset import opaque_ref
from armsbridge.exchange.models import Disclosure, OutboxMessage, Peer
from armsbridge.exchange.service import enqueue, require_node
from armsbridge.i18n_marker import N_
from armsbridge.records import handling
from armsbridge.records.children import add_children, child_types, prepare_child
from armsbridge.records.models import RECORD_MODELS, Link, Provenance
from armsbridge.records.reading import readable
from armsbridge.records.service import create_record, update_record
from armsbridge.vocab.registry import record_types

RECORDS = "records"
HANDLING_CODES = ("H0", "H1", "H2", "H3")
SOURCE_GRADES = ("A", "B", "C", "X")
INFORMATION_GRADES = ("1", "2", "3", "4")
# Columns every record has that are the holder's business, never sent: the receiver sets them.
NOT_SENT = frozenset(
    {"jurisdiction", "external_ref", "source_ref", "handling_code", "retention_review_on"}
)


@dataclass(frozen=True)
class Conditions:
    """What the provider attaches to a disclosure: handling code, its text, the 4x4 grades."""

    handling_code: str = "H0"
    restriction: str | None = None
    source_grade: str = "X"
    information_grade: str = "4"

    def checked(self) -> Conditions:
        """Return these conditions or raise UserError naming what is wrong."""
        if self.handling_code not in HANDLING_CODES:
            raise UserError(
                N_("handling code %(handling_code)r: use one of H0, H1, H2, H3"),
                values={"handling_code": self.handling_code},
            )
        if self.source_grade not in SOURCE_GRADES:
            raise UserError(
                N_("source grade %(source_grade)r: use one of A, B, C, X"),
                values={"source_grade": self.source_grade},
            )
        if self.information_grade not in INFORMATION_GRADES:
            raise UserError(
                N_("information grade %(information_grade)r: use 1, 2, 3 or 4"),
                values={"information_grade": self.information_grade},
            )
        text = (self.restriction or "").strip() or None
        if self.handling_code == "H3" and not text:
            raise UserError("H3 needs the restriction in words (what the recipient may not do)")
        return Conditions(self.handling_code, text, self.source_grade, self.information_grade)


@dataclass(frozen=True)
class Item:
    """One record to share, with the fields to send (None: every field it has)."""

    record_type: str
    record_id: int
    fields: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Stored:
    """What a received `records` message left on this node, for the receiver hooks."""

    share: dict[str, Any]
    provider: str
    records: list[tuple[str, int, bool]] = field(default_factory=list)  # type, id, created


Receiver = Callable[[Session, Stored], None]
_RECEIVERS: list[Receiver] = []


def register_receiver(fn: Receiver) -> None:
    """Call `fn(session, stored)` after every received share (requests, operations hook in)."""
    if fn not in _RECEIVERS:
        _RECEIVERS.append(fn)


def shareable_fields(record_type: str) -> list[str]:
    """Return the fields of a record type that can be sent (not derived, not the holder's)."""
    spec = record_types()[record_type]
    return [f for f in spec.fields if f not in NOT_SENT and f not in spec.derived]


def _values(record: Any, record_type: str, fields: Sequence[str] | None) -> dict[str, Any]:
    allowed = shareable_fields(record_type)
    chosen = allowed if fields is None else list(fields)
    unknown = [f for f in chosen if f not in allowed]
    if unknown:
        raise UserError(
            N_("%(record_type)s: %(value)s cannot be shared; choose from %(value2)s"),
            values={
                "record_type": record_type,
                "value": ", ".join(unknown),
                "value2": ", ".join(allowed),
            },
        )
    out = {}
    for name in chosen:
        value = getattr(record, name, None)
        if value is None:
            continue
        out[name] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def _children(session: Session, record_type: str, record_id: int) -> dict[str, list[dict]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for name, spec in child_types().items():
        if spec.parent != record_type:
            continue
        rows = session.scalars(
            select(spec.model).where(getattr(spec.model, spec.parent_column) == record_id)
        )
        out[name] = [
            {k: getattr(row, k) for k in spec.fields if getattr(row, k) is not None} for row in rows
        ]
    return {k: v for k, v in out.items() if v}


def _read(session: Session, user: Principal, item: Item) -> Any:
    if item.record_type not in RECORD_MODELS or item.record_type == "link":
        raise UserError(
            N_("%(record_type)r cannot be shared on its own (links go with the records they join)"),
            values={"record_type": item.record_type},
        )
    model = RECORD_MODELS[item.record_type]
    record = session.scalar(readable(item.record_type, user).where(model.id == item.record_id))
    if record is None:
        raise NotFound(
            N_("%(record_type)s %(record_id)s does not exist or is not yours"),
            values={"record_type": item.record_type, "record_id": item.record_id},
        )
    return record


def share_records(
    session: Session,
    *,
    user: Principal,
    peer: Peer,
    items: Sequence[Item],
    conditions: Conditions,
    purpose: str,
    request_ref: str | None = None,
    operation_ref: str | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """Disclose records to `peer` under `conditions`; log each disclosure; queue the message."""
    conditions = conditions.checked()
    purpose = (purpose or "").strip()
    if not purpose:
        raise UserError("say why the records are shared (the disclosure log keeps it)")
    if not items:
        raise UserError("choose at least one record to share")
    handling.check_disseminable(
        session, [(i.record_type, i.record_id) for i in items], route="sharing"
    )
    share_id = str(uuid.uuid4())
    payload, refs = [], {}
    for item in items:
        record = _read(session, user, item)
        ref = opaque_ref(item.record_type, item.record_id)
        refs[(item.record_type, item.record_id)] = ref
        entry = {
            "type": item.record_type,
            "ref": ref,
            "fields": _values(record, item.record_type, item.fields),
        }
        if item.fields is None and (kids := _children(session, item.record_type, record.id)):
            entry["children"] = kids
        payload.append(entry)
    links = _links_among(session, user, refs)
    body = {
        "share": {
            "id": share_id,
            "purpose": purpose,
            "handling_code": conditions.handling_code,
            "restriction": conditions.restriction,
            "source_grade": conditions.source_grade,
            "information_grade": conditions.information_grade,
            "request": request_ref,
            "operation": operation_ref,
        },
        "records": payload,
        "links": links,
    }
    message = enqueue(session, peer=peer, kind=RECORDS, body=body, now=now)
    moment = now or datetime.now(UTC)
    for item in items:
        row = _remember(session, peer, item, refs, conditions, purpose, share_id, message, moment)
        row.request_ref, row.operation_ref = request_ref, operation_ref
        log_access(
            session,
            user=user,
            action="disclose",
            record_type=item.record_type,
            record_id=item.record_id,
            why=purpose,
            details={
                "recipient": peer.jurisdiction,
                "peer": peer.name,
                "message_id": message.message_id,
                "handling_code": conditions.handling_code,
                "grades": conditions.source_grade + conditions.information_grade,
                "fields": list(item.fields) if item.fields else "all",
                "request": request_ref,
                "operation": operation_ref,
            },
        )
    return message


def _links_among(
    session: Session, user: Principal, refs: dict[tuple[str, int], str]
) -> list[dict[str, Any]]:
    """Return the links the user may see whose both ends are shared, by the ends' references."""
    ids_by_type: dict[str, list[int]] = {}
    for record_type, record_id in refs:
        ids_by_type.setdefault(record_type, []).append(record_id)
    out = []
    for from_type, from_ids in ids_by_type.items():
        stmt = readable("link", user).where(Link.from_type == from_type, Link.from_id.in_(from_ids))
        for link in session.scalars(stmt):
            to = refs.get((link.to_type, link.to_id))
            if to is None:
                continue
            out.append(
                {
                    "ref": opaque_ref("link", link.id),
                    "from": refs[(link.from_type, link.from_id)],
                    "to": to,
                    "kind": link.kind,
                    "role": link.role,
                }
            )
    return out


def _remembered(session: Session, peer: Peer, item: Item) -> Disclosure | None:
    return session.scalar(
        select(Disclosure).where(
            Disclosure.peer_id == peer.id,
            Disclosure.record_type == item.record_type,
            Disclosure.record_id == item.record_id,
        )
    )


def _remember(
    session: Session,
    peer: Peer,
    item: Item,
    refs: dict[tuple[str, int], str],
    conditions: Conditions,
    purpose: str,
    share_id: str,
    message: OutboxMessage,
    now: datetime,
) -> Disclosure:
    row = _remembered(session, peer, item)
    if row is None:
        row = Disclosure(peer_id=peer.id, record_type=item.record_type, record_id=item.record_id)
        session.add(row)
    row.ref = refs[(item.record_type, item.record_id)]
    row.fields = list(item.fields) if item.fields is not None else None
    row.handling_code, row.restriction = conditions.handling_code, conditions.restriction
    row.source_grade, row.information_grade = conditions.source_grade, conditions.information_grade
    row.purpose, row.share_id, row.message_id = purpose, share_id, message.message_id
    row.sent_at = now
    return row


def queue_updates(session: Session, *, now: datetime | None = None) -> int:
    """Queue the changes of records already disclosed to a peer; return how many were sent.

    A record changed after its last disclosure goes again, with the fields and conditions it
    was disclosed with, so the peer's copy never silently goes stale.
    """
    moment = now or datetime.now(UTC)
    stale: list[Disclosure] = []
    for record_type, model in RECORD_MODELS.items():
        stale.extend(
            session.scalars(
                select(Disclosure)
                .join(model, model.id == Disclosure.record_id)
                .where(Disclosure.record_type == record_type, model.updated_at > Disclosure.sent_at)
                .order_by(Disclosure.id)
            )
        )
    if not stale:
        return 0
    node = node_principal(require_node(session).jurisdiction, purpose="disclosure-update")
    sent = 0
    for row in stale:
        peer = session.get(Peer, row.peer_id)
        if peer is None or peer.removed_at is not None:
            continue
        share_records(
            session,
            user=node,
            peer=peer,
            items=[Item(row.record_type, row.record_id, tuple(row.fields) if row.fields else None)],
            conditions=Conditions(
                row.handling_code, row.restriction, row.source_grade, row.information_grade
            ),
            purpose=f"update of a record disclosed for: {row.purpose}"[:500],
            request_ref=row.request_ref,
            operation_ref=row.operation_ref,
            now=moment,
        )
        sent += 1
    return sent


# --- receiving --------------------------------------------------------------------------------


def _share_header(body: dict[str, Any]) -> dict[str, Any]:
    share = body.get("share")
    if not isinstance(share, dict) or not isinstance(body.get("records"), list):
        raise HandlerRefused("malformed_share", "a records message needs `share` and `records`")
    try:
        Conditions(
            str(share.get("handling_code")),
            share.get("restriction"),
            str(share.get("source_grade")),
            str(share.get("information_grade")),
        ).checked()
    except UserError as exc:
        raise HandlerRefused("malformed_share", str(exc)) from exc
    return share


def _store_one(
    session: Session, message: Received, share: dict[str, Any], entry: Any, node: Principal
) -> tuple[str, int, bool]:
    if not isinstance(entry, dict) or entry.get("type") not in RECORD_MODELS:
        raise HandlerRefused("malformed_share", f"unknown record type in {str(entry)[:80]!r}")
    record_type, ref = entry["type"], str(entry.get("ref") or "")
    if not ref or len(ref) > 64:
        raise HandlerRefused("malformed_share", f"{record_type}: a reference of 1-64 characters")
    fields = entry.get("fields") or {}
    allowed = set(shareable_fields(record_type))
    if not isinstance(fields, dict) or set(fields) - allowed:
        raise HandlerRefused(
            "malformed_share", f"{record_type} {ref}: fields {sorted(set(fields) - allowed)}"
        )
    provider = message.envelope.sender
    prov = session.scalar(
        select(Provenance).where(
            Provenance.provider == provider,
            Provenance.record_type == record_type,
            Provenance.remote_ref == ref,
        )
    )
    data = {**fields, "handling_code": share["handling_code"]}
    data["source_ref"] = f"exchange:{provider}:{message.envelope.message_id}"
    try:
        if prov is None:
            record = create_record(
                session,
                record_type=record_type,
                data={**data, "jurisdiction": provider},
                user=node,
            )
            prov = Provenance(
                record_type=record_type,
                record_id=record.id,
                remote_ref=ref,
                held_by=require_node(session).jurisdiction,
                provider=provider,
                message_id=message.envelope.message_id,
                handling_code=share["handling_code"],
            )
            session.add(prov)
            created = True
        else:
            record = update_record(
                session, record_type=record_type, record_id=prov.record_id, data=data, user=node
            )
            prov.version = (prov.version or 1) + 1
            created = False
        for child, rows in (entry.get("children") or {}).items():
            spec = child_types().get(child)
            if spec is None or spec.parent != record_type or not isinstance(rows, list):
                raise HandlerRefused("malformed_share", f"{record_type} {ref}: child {child!r}")
            add_children(
                session,
                child_type=child,
                rows=[(record.id, prepare_child(child, dict(r))) for r in rows],
            )
    except ValidationFailed as exc:
        raise HandlerRefused("invalid_record", f"{record_type} {ref}: {exc}") from exc
    prov.held_by = require_node(session).jurisdiction
    prov.provider, prov.message_id = provider, message.envelope.message_id
    prov.share_id, prov.received_at = share.get("id"), message.now
    prov.handling_code, prov.restriction = share["handling_code"], share.get("restriction")
    prov.source_grade, prov.information_grade = share["source_grade"], share["information_grade"]
    prov.request_ref, prov.operation_ref = share.get("request"), share.get("operation")
    prov.matched_at = None  # new or changed: matching compares it with the node's own again
    session.flush()
    return record_type, record.id, created


def _receive_records(session: Session, message: Received) -> dict[str, Any]:
    body = message.envelope.body
    share = _share_header(body)
    me = require_node(session).jurisdiction
    node = node_principal(message.envelope.sender, purpose=f"exchange-from-{message.peer.name}")
    stored = Stored(share=share, provider=message.envelope.sender)
    local: dict[str, tuple[str, int]] = {}
    for entry in body["records"]:
        if isinstance(entry, dict) and entry.get("type") == "link":
            raise HandlerRefused("malformed_share", "links come in `links`, between shared records")
        record_type, record_id, created = _store_one(session, message, share, entry, node)
        stored.records.append((record_type, record_id, created))
        local[str(entry["ref"])] = (record_type, record_id)
    links = 0
    for link in body.get("links") or []:
        if not isinstance(link, dict):
            raise HandlerRefused("malformed_share", "a link must be an object")
        ends = local.get(str(link.get("from"))), local.get(str(link.get("to")))
        if None in ends:
            raise HandlerRefused("malformed_share", "a link names a record the message lacks")
        (from_type, from_id), (to_type, to_id) = ends  # type: ignore[misc]
        entry = {
            "type": "link",
            "ref": link.get("ref"),
            "fields": {
                "from_type": from_type,
                "from_id": from_id,
                "to_type": to_type,
                "to_id": to_id,
                "kind": link.get("kind"),
                "role": link.get("role"),
            },
        }
        entry["fields"] = {k: v for k, v in entry["fields"].items() if v is not None}
        record_type, record_id, created = _store_one(session, message, share, entry, node)
        stored.records.append((record_type, record_id, created))
        links += 1
    log_event(
        session,
        actor=f"peer:{message.peer.name}",
        action="import",
        jurisdiction=me,
        details={
            "exchange": "records-received",
            "provider": message.envelope.sender,
            "message_id": message.envelope.message_id,
            "share": share.get("id"),
            "handling_code": share["handling_code"],
            "records": len(stored.records) - links,
            "links": links,
            "new": sum(1 for *_, created in stored.records if created),
            "purpose": str(share.get("purpose") or "")[:300],
        },
    )
    for receiver in _RECEIVERS:
        receiver(session, stored)
    return {"stored": len(stored.records), "share": share.get("id")}


register_handler(RECORDS, _receive_records)
