"""The auditor's page: filter their service's audit entries, check the chain, export as CSV."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import Response

from armsbridge.audit.labels import COLUMN_LABELS, action_label, name_label, type_words
from armsbridge.audit.masking import EntryView
from armsbridge.audit.service import (
    ACTIONS,
    EXPORT_COLUMNS,
    MIN_REASON,
    EntryFilters,
    export_csv,
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
from armsbridge.web.templating import formatter, render

LABELS = {
    "action_label": action_label,
    "name_label": name_label,
    "record_type_names": list(record_types()),
}
router = APIRouter(tags=["pages"], include_in_schema=False)
PAGE_SIZE = 100
EXPORT_LIMIT = 100_000  # entries in one export, as the API's largest `limit`
Auditor = Annotated[Principal, Depends(require("audit.read"))]
Officer = Annotated[Principal, Depends(require("audit.reveal"))]
Exporter = Annotated[Principal, Depends(require("audit.export"))]
Seq = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _form(
    actor: str = "",
    action: str = "",
    record_type: str = "",
    record_id: str = "",
    since: str = "",
    until: str = "",
) -> dict[str, str]:
    """The log page's filter form, as given in the address."""
    return {
        "actor": actor,
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "since": since,
        "until": until,
    }


LogFilters = Annotated[dict[str, str], Depends(_form)]


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
    form: LogFilters,
    verify: bool = False,
) -> Response:
    """The auditor's service's entries matching the filters, newest first; the chain check."""
    entries = query_entries(db, user=user, filters=_filters(form, limit=PAGE_SIZE))
    query = {k: v for k, v in form.items() if v.strip()}
    return render(
        request,
        "audit/log.html",
        {
            "entries": entries,
            "actions": ACTIONS,
            **LABELS,
            "form": form,
            "type_words": partial(type_words, formatter(request)),
            "export_url": "/audit/export.csv" + (f"?{urlencode(query)}" if query else ""),
            "can_export": role_allows(user.role, "audit.export"),
            "chain": verify_chain(db) if verify else None,
            "page_size": PAGE_SIZE,
        },
    )


def _filters(form: dict[str, str], *, limit: int) -> EntryFilters:
    """The filters of the log page's form (a bad date is refused with its field named)."""
    return EntryFilters(
        by=form["actor"].strip()[:80] or None,
        action=form["action"] if form["action"] in ACTIONS else None,
        record_type=form["record_type"].strip()[:40] or None,
        record_id=int(form["record_id"]) if form["record_id"].strip().isdigit() else None,
        since=_day(form["since"], field="since"),
        until=_day(form["until"], field="until", end=True),
        limit=limit,
    )


@router.get("/audit/export.csv")
def export_page(
    request: Request,
    db: DB,
    user: Exporter,
    form: LogFilters,
) -> Response:
    """The log page's entries as CSV in the user's words (the newest EXPORT_LIMIT); logged."""
    fmt = formatter(request)

    def shown(column: str, value: Any) -> Any:
        if column == "action" and value:
            return fmt.gettext(action_label(value))
        if column == "record_type" and value:
            return type_words(fmt, value)
        return value

    buffer = io.StringIO()
    export_csv(
        db,
        user=user,
        out=buffer,
        filters=_filters(form, limit=EXPORT_LIMIT),
        headers=[fmt.gettext(COLUMN_LABELS[c]) for c in EXPORT_COLUMNS],
        shown=shown,
    )
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


def _entry_page(request: Request, user: Principal, entry: EntryView) -> Response:
    return render(
        request,
        "audit/entry.html",
        {
            "entry": entry,
            **LABELS,
            "type_words": partial(type_words, formatter(request)),
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
