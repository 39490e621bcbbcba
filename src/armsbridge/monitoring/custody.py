"""Chain of custody of a capture: entries of the hash-chained audit log, written and read here.

Each entry is an audit entry of record type "capture" whose `details.custody` says what
happened (captured, imported, viewed, verified, downloaded, transferred, reviewed), with who,
when, why and, for a transfer, the recipient.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.access import log_access
from armsbridge.auth.principal import Principal
from armsbridge.monitoring.models import Capture

CUSTODY = ("captured", "imported", "viewed", "verified", "downloaded", "transferred", "reviewed")


def record(
    session: Session,
    *,
    user: Principal,
    row: Capture,
    what: str,
    action: str,
    why: str | None = None,
    recipient: str | None = None,
    sha: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Append one custody entry (what: captured, viewed, ...) to the audit log."""
    details: dict[str, Any] = {"custody": what, "sha256": sha or row.sha256, **(extra or {})}
    if recipient:
        details["recipient"] = recipient
    log_access(
        session,
        user=user,
        action=action,
        record_type="capture",
        record_id=row.id,
        jurisdiction=row.jurisdiction,
        why=why,
        details=details,
    )


def entries(session: Session, *, row: Capture) -> list[dict[str, Any]]:
    """Return the chain-of-custody entries of a capture, oldest first: who, when, what, why."""
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_type == "capture", AuditEntry.record_id == row.id)
        .order_by(AuditEntry.seq)
    )
    out = []
    for entry in entries:
        details = entry.details or {}
        out.append(
            {
                "seq": entry.seq,
                "at": entry.at,
                "who": entry.actor,
                "what": str(details.get("custody") or entry.action),
                "why": entry.why or "",
                "recipient": details.get("recipient") or entry.recipient or "",
                "via": details.get("via", ""),
            }
        )
    return out
