"""Reading records under the permissions, with every access written to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from armsbridge.audit.service import log_event
from armsbridge.auth.permissions import record_types_for, restrict
from armsbridge.auth.principal import Principal
from armsbridge.errors import NotFound, PermissionDenied, UserError
from armsbridge.records.models import RECORD_MODELS

if TYPE_CHECKING:
    from starlette.requests import Request


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
    extra: dict[str, Any] = {"via": user.via}
    if user.os_user:
        extra["os_user"] = user.os_user
    log_event(
        session,
        actor=user.username,
        actor_jurisdiction=user.jurisdiction,
        action=action,
        record_type=record_type,
        record_id=record_id,
        jurisdiction=jurisdiction or user.jurisdiction,
        why=why,
        details={**(details or {}), **extra},
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


def _named_record(request: Request) -> tuple[str | None, int | None]:
    """Return the record type and id a request's route names (slug or /api/<slug>/{record_id})."""
    from armsbridge.records.api_schemas import SLUGS as API_SLUGS
    from armsbridge.records.labels import SLUGS as PAGE_SLUGS

    params = request.path_params
    template = getattr(request.scope.get("route"), "path", "")
    slug = params.get("slug")
    if slug is None and template:
        slug = template.split("/{record_id}")[0].rsplit("/", 1)[-1]
    by_slug = {**PAGE_SLUGS, **{v: k for k, v in API_SLUGS.items()}}
    record_type = by_slug.get(str(slug)) if slug else None
    raw_id = str(params.get("record_id", ""))
    return record_type, int(raw_id) if raw_id.isdigit() else None


def _hidden_because(session: Session, user: Principal, record_type: str, record_id: int) -> str:
    record = session.get(RECORD_MODELS[record_type], record_id)
    if record is None:
        return ""  # nothing there: not a refusal
    if record.jurisdiction != user.jurisdiction:
        return "other_jurisdiction"
    if record.handling_code in ("H2", "H3"):
        return "handling_code"
    return "not_visible"  # restricted case, or a data-subject category hidden from the role


def log_refusal(session: Session, request: Request, error: UserError) -> bool:
    """Log a refused access of a signed-in user to a record (or a kind of record); True if so."""
    user = request.scope.get("armsbridge_principal")
    if user is None or not isinstance(error, PermissionDenied | NotFound):
        return False  # anonymous requests (401) have no actor to log
    record_type, record_id = _named_record(request)
    if record_type is None:
        return False
    if isinstance(error, NotFound):
        if record_id is None:
            return False
        reason = _hidden_because(session, user, record_type, record_id)
        if not reason:
            return False
    else:
        reason = getattr(error, "reason", "role")
    log_access(
        session,
        user=user,
        action="refused",
        record_type=record_type,
        record_id=record_id,
        details={
            "refused": True,
            "reason": reason,
            "status": error.status_code,
            "method": request.method,
            "path": request.url.path,
        },
    )
    return True
