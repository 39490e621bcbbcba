"""How an audit entry is hashed: keyed BLAKE2b with the node's audit key (plain SHA-256 before).

The key is a file outside the database (db.keys), so someone who can rewrite the store cannot
recompute the chain after changing an entry. Entries written before keying carry the plain
SHA-256 of the same bytes; verification tells the two apart (audit.verify).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from armsbridge.audit.models import AuditEntry

GENESIS = "0" * 64
APPENDED = "armsbridge.audit.appended"  # session.info flag: this transaction appended entries
PERSON = b"armsbridge-aud1"  # BLAKE2b personalisation: these hashes mean nothing elsewhere

Change = tuple[str, int, str]  # (record type, record id, "create" | "change")


def jsonable(value: Any) -> Any:
    """Return `value` with dates as ISO strings, tuples as lists and keys as strings."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _message(prev_hash: str, fields: dict[str, Any]) -> bytes:
    canonical = json.dumps(jsonable(fields), sort_keys=True, ensure_ascii=False, default=str)
    return (prev_hash + canonical).encode("utf-8")


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Return the plain SHA-256 of the previous hash and the entry's canonical JSON (unkeyed)."""
    return hashlib.sha256(_message(prev_hash, fields)).hexdigest()


def keyed_hash(key: bytes, prev_hash: str, fields: dict[str, Any]) -> str:
    """Return the keyed BLAKE2b-256 of the previous hash and the entry's canonical JSON."""
    return hashlib.blake2b(
        _message(prev_hash, fields), digest_size=32, key=key, person=PERSON
    ).hexdigest()


def hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    """Return the fields of an entry that its hash covers."""
    return {
        "seq": entry.seq,
        "at": entry.at.replace(tzinfo=entry.at.tzinfo or UTC),
        "actor": entry.actor,
        "actor_jurisdiction": entry.actor_jurisdiction,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "jurisdiction": entry.jurisdiction,
        "why": entry.why,
        "recipient": entry.recipient,
        "before": entry.before,
        "after": entry.after,
        "details": entry.details,
    }


def changes_digest(changes: list[Change]) -> str:
    """Return the SHA-256 of a bulk write's change rows, in a canonical order."""
    digest = hashlib.sha256()
    for record_type, record_id, op in sorted(changes):
        digest.update(f"{record_type}:{record_id}:{op}\n".encode())
    return digest.hexdigest()


def changes_summary(changes: list[Change]) -> dict[str, Any]:
    """Return what an entry's details say of its change rows: their count and SHA-256."""
    return {"changes": len(changes), "changes_sha256": changes_digest(changes)}


def is_keyed(entry: AuditEntry, key: bytes) -> bool:
    """True when the entry's hash is the keyed hash of its content under `key`."""
    return keyed_hash(key, entry.prev_hash, hashed_fields(entry)) == entry.hash


def first_keyed(session: Session, key: bytes, head: int) -> int | None:
    """Return the first entry hashed with `key` (keyed entries follow unkeyed ones), or None."""

    def keyed_at(seq: int) -> bool:
        entry = session.get(AuditEntry, seq)
        return entry is not None and is_keyed(entry, key)

    if head < 1 or not keyed_at(head):
        return None
    low, high = 1, head
    while low < high:
        middle = (low + high) // 2
        if keyed_at(middle):
            high = middle
        else:
            low = middle + 1
    return low
