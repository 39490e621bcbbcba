"""Reading records under the permissions, with every access written to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from armsbridge.audit.service import log_event
from armsbridge.auth.permissions import Principal, record_types_for, restrict
from armsbridge.errors import NotFound, PermissionDenied
from armsbridge.records.models import RECORD_MODELS


def visible(record_type: str, user: Principal, action: str = "record.read") -> Select:
    """Return `select(Model)` of a record type narrowed to what `user` may `action`."""
    model = RECORD_MODELS[record_type]
    return restrict(select(model), user, action)


def log_access(
    session: Session,
    *,
    user: Principal,
    action: str,
    record_type: str | None = None,
    record_id: int | None = None,
    jurisdiction: str | None = None,
    why: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Write one audit entry for an act of `user` (consult, search, export, ...)."""
    log_event(
        session,
        actor=user.username,
        action=action,
        record_type=record_type,
        record_id=record_id,
        jurisdiction=jurisdiction or user.jurisdiction,
        why=why,
        details={**(details or {}), "via": user.via},
    )


def fetch_record(
    session: Session,
    *,
    user: Principal,
    record_type: str,
    record_id: int,
    action: str = "record.read",
    why: str | None = None,
    log: bool = True,
) -> Any:
    """Return one record the user may see (or write); NotFound otherwise; log the consultation."""
    model = RECORD_MODELS[record_type]
    record = session.scalar(restrict(select(model).where(model.id == record_id), user, action))
    if record is None:
        raise NotFound(f"{record_type} {record_id} does not exist or is not yours to see")
    if log and action == "record.read":
        log_access(
            session,
            user=user,
            action="consult",
            record_type=record_type,
            record_id=record.id,
            jurisdiction=record.jurisdiction,
            why=why,
        )
    return record


def log_list(
    session: Session,
    *,
    user: Principal,
    record_type: str,
    records: Iterable[Any],
    why: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Log one consult entry for a page of records, naming every id shown."""
    ids = [record.id for record in records]
    if ids:
        log_access(
            session,
            user=user,
            action="consult",
            record_type=record_type,
            why=why,
            details={**(details or {}), "ids": ids},
        )


def check_can_write(user: Principal, record_type: str) -> None:
    """Refuse (403) when the user's role may not write records of this type."""
    if record_type not in record_types_for(user.role, "write"):
        raise PermissionDenied(f"your role ({user.role}) may not write {record_type} records")
