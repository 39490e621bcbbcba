"""Audit log API for auditors: filter their service's entries, export them as CSV (logged)."""

import io
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from armsbridge.audit.service import (
    ACTIONS,
    EntryFilters,
    export_csv,
    query_entries,
    reveal_entry,
    verify_chain,
)
from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal

router = APIRouter(prefix="/api/audit", tags=["audit"])

NoNul = Annotated[str, Field(max_length=80, pattern=r"^[^\x00]*$")]


class AuditFilters(BaseModel):
    """Which entries to return: every given criterion must hold."""

    actor: NoNul | None = None
    action: NoNul | None = None
    record_type: NoNul | None = None
    record_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: Annotated[int, Field(ge=1, le=100000)] = 500

    def for_service(self) -> EntryFilters:
        """Return the filters as the audit service takes them (`actor` is the `by` filter)."""
        values = self.model_dump()
        return EntryFilters(by=values.pop("actor"), **values)


class AuditEntryOut(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

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
    hash: str
    masked: bool = Field(description="True when personal values were replaced by ***")


class ChainStatus(BaseModel):
    """Result of checking the log against its key and its signed checkpoints."""

    ok: bool
    checked: int
    problems: list[str]
    notes: list[str] = []
    anchored_since: str | None = Field(None, description="Time of the first checkpoint (UTC)")
    unkeyed: tuple[int, int] | None = None


class RevealIn(BaseModel):
    """Why the values of one entry are needed; stored in the reveal's own entry."""

    why: Annotated[str, Field(min_length=10, max_length=2000, pattern=r"^[^\x00]*$")]


@router.get("", response_model=list[AuditEntryOut], summary="Filter the audit log")
def list_entries(
    filters: Annotated[AuditFilters, Query()],
    db: DB,
    user: Annotated[Principal, Depends(require("audit.read"))],
) -> Any:
    """Return the entries of the auditor's service matching the filters, newest first."""
    entries = query_entries(db, user=user, filters=filters.for_service())
    return [AuditEntryOut.model_validate(e) for e in entries]


@router.get("/actions", response_model=list[str], summary="Actions the log records")
def actions(_: Annotated[Principal, Depends(require("audit.read"))]) -> Any:
    """Return the names of the logged actions (for filter menus)."""
    return list(ACTIONS)


@router.get("/verify", response_model=ChainStatus, summary="Check the hash chain")
def verify(db: DB, _: Annotated[Principal, Depends(require("audit.read"))]) -> Any:
    """Recompute the chain and report altered, removed or reordered entries."""
    result = verify_chain(db)
    return ChainStatus(
        ok=result.ok,
        checked=result.checked,
        problems=result.problems,
        notes=result.notes,
        anchored_since=result.anchored_since,
        unkeyed=result.unkeyed,
    )


@router.post(
    "/{seq}/reveal", response_model=AuditEntryOut, summary="Reveal one entry's personal values"
)
def reveal(
    body: RevealIn,
    db: DB,
    user: Annotated[Principal, Depends(require("audit.reveal"))],
    seq: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Any:
    """Return one entry of the officer's service unmasked; the reveal is logged with its reason."""
    return AuditEntryOut.model_validate(reveal_entry(db, user=user, seq=seq, why=body.why))


@router.get(
    "/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Export the audit log as CSV",
)
def export(
    filters: Annotated[AuditFilters, Query()],
    db: DB,
    user: Annotated[Principal, Depends(require("audit.export"))],
) -> Response:
    """Return the auditor's service's matching entries as CSV; the export is logged."""
    buffer = io.StringIO()
    export_csv(db, user=user, out=buffer, filters=filters.for_service())
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
