"""The auditor's page: filter their service's audit entries, check the chain, export as CSV."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import Response

from armsbridge.audit.labels import action_label, name_label
from armsbridge.audit.masking import EntryView
from armsbridge.audit.service import (
    ACTIONS,
    MIN_REASON,
    EntryFilters,
    get_entry,
    query_entries,
    reveal_entry,
    verify_chain,
)
from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.vocab.registry import record_types
from armsbridge.vocab.values import parse_date
from armsbridge.web.templating import render

LABELS = {
    "action_label": action_label,
    "name_label": name_label,
    "record_type_names": list(record_types()),
}
router = APIRouter(tags=["pages"], include_in_schema=False)
PAGE_SIZE = 100
Auditor = Annotated[Principal, Depends(require("audit.read"))]
Officer = Annotated[Principal, Depends(require("audit.reveal"))]
Seq = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _day(raw: str, *, field: str, end: bool = False) -> datetime | None:
    if not raw.strip():
        return None
    day = parse_date(raw, field=field)
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


@router.get("/audit")
def audit_page(
    request: Request,
    db: DB,
    user: Auditor,
    actor: str = "",
    action: str = "",
    record_type: str = "",
    record_id: str = "",
    since: str = "",
    until: str = "",
    verify: bool = False,
) -> Response:
    """The auditor's service's entries matching the filters, newest first; the chain check."""
    filters: dict[str, Any] = {
        "actor": actor.strip()[:80] or None,
        "action": action if action in ACTIONS else None,
        "record_type": record_type.strip()[:40] or None,
        "record_id": int(record_id) if record_id.strip().isdigit() else None,
        "since": _day(since, field="since"),
        "until": _day(until, field="until", end=True),
    }
    entries = query_entries(
        db,
        user=user,
        filters=EntryFilters(
            by=filters["actor"],
            action=filters["action"],
            record_type=filters["record_type"],
            record_id=filters["record_id"],
            since=filters["since"],
            until=filters["until"],
            limit=PAGE_SIZE,
        ),
    )
    query = {
        k: v
        for k, v in {
            "actor": actor,
            "action": action,
            "record_type": record_type,
            "record_id": record_id,
        }.items()
        if v
    }
    query.update(
        {
            k: v.isoformat()
            for k, v in (("since", filters["since"]), ("until", filters["until"]))
            if v
        }
    )
    return render(
        request,
        "audit/log.html",
        {
            "entries": entries,
            "actions": ACTIONS,
            **LABELS,
            "form": {
                "actor": actor,
                "action": action,
                "record_type": record_type,
                "record_id": record_id,
                "since": since,
                "until": until,
            },
            "export_url": "/api/audit/export.csv" + (f"?{urlencode(query)}" if query else ""),
            "can_export": role_allows(user.role, "audit.export"),
            "chain": verify_chain(db) if verify else None,
            "page_size": PAGE_SIZE,
        },
    )


def _entry_page(request: Request, user: Principal, entry: EntryView) -> Response:
    return render(
        request,
        "audit/entry.html",
        {
            "entry": entry,
            **LABELS,
            "can_reveal": role_allows(user.role, "audit.reveal"),
            "min_reason": MIN_REASON,
        },
    )


@router.get("/audit/{seq}")
def entry_page(request: Request, db: DB, user: Auditor, seq: Seq) -> Response:
    """One entry: who, what, when and why; the values masked, a reveal form for the officer."""
    return _entry_page(request, user, get_entry(db, user=user, seq=seq))


@router.post("/audit/{seq}/reveal")
def reveal_page(
    request: Request, db: DB, user: Officer, seq: Seq, why: Annotated[str, Form()] = ""
) -> Response:
    """Show one entry with its values to a data-protection officer; the reveal is logged."""
    return _entry_page(request, user, reveal_entry(db, user=user, seq=seq, why=why))
