"""What an auditor sees of an entry: who, what, when and why, never the personal values.

The values of `before` and `after` are replaced by MASKED (the names of the fields that changed
stay), and so are the search terms and other personal values inside `details`. A role with
`audit.reveal` (the data-protection officer) may reveal one entry at a time, with a reason that
is itself logged (audit.service.reveal_entry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from armsbridge.audit.models import AuditEntry

MASKED = "***"
# Keys of `details` whose values are personal: search terms (names, phone numbers, birth dates).
PERSONAL_DETAIL_KEYS = frozenset(
    {
        "query",
        "q",
        "terms",
        "name",
        "names",
        "given_name",
        "family_name",
        "full_name",
        "birth_date",
        "date_of_birth",
        "phone",
        "phone_number",
        "number",
        "address",
        "description",  # the free description of an information request
        "serial_pattern",  # a serial search term (it may be a received record's serial)
    }
)


@dataclass(frozen=True)
class EntryView:
    """An audit entry as it is shown or exported; `masked` says whether values were hidden."""

    seq: int
    at: datetime
    actor: str
    actor_jurisdiction: str | None
    action: str
    record_type: str | None
    record_id: int | None
    jurisdiction: str | None
    why: str | None
    recipient: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    details: dict[str, Any] | None
    prev_hash: str
    hash: str
    masked: bool


def _mask_values(values: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if values is None else {name: MASKED for name in values}


def _mask_details(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (MASKED if k in PERSONAL_DETAIL_KEYS and v not in (None, "") else _mask_details(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask_details(v) for v in value]
    return value


def view_of(entry: AuditEntry, *, masked: bool = True) -> EntryView:
    """Return the entry as a view, its personal values masked unless `masked` is False."""
    return EntryView(
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        actor_jurisdiction=entry.actor_jurisdiction,
        action=entry.action,
        record_type=entry.record_type,
        record_id=entry.record_id,
        jurisdiction=entry.jurisdiction,
        why=entry.why,
        recipient=entry.recipient,
        before=_mask_values(entry.before) if masked else entry.before,
        after=_mask_values(entry.after) if masked else entry.after,
        details=_mask_details(entry.details) if masked else entry.details,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
        masked=masked,
    )
