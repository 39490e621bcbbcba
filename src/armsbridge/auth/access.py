"""Reading records under the permissions, with every access written to the audit log."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from armsbridge.audit.models import AuditEntry
from armsbridge.audit.service import log_event
from armsbridge.auth.principal import Principal
from armsbridge.errors import NotFound, PermissionDenied, UserError
from armsbridge.records.models import RECORD_MODELS
from armsbridge.vocab.registry import by_slug

if TYPE_CHECKING:
    from starlette.requests import Request

ANONYMOUS = "anonymous"  # the actor of a refused request that carried no valid session or token


def log_access(
    session: Session,
    *,
    user: Principal,
    action: str,
    record_type: str | None = None,
    record_id: int | None = None,
    jurisdiction: str | None = None,
    why: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry for an act of `user` (consult, search, create, change, ...)."""
    acting = {"via": user.via, **({"os_user": user.os_user} if user.os_user else {})}
    return log_event(
        session,
        actor=user.username,
        actor_jurisdiction=user.jurisdiction,
        action=action,
        record_type=record_type,
        record_id=record_id,
        jurisdiction=jurisdiction or user.jurisdiction,
        why=why,
        before=before,
        after=after,
        details={**(details or {}), **acting},
    )


def _named_record(request: Request) -> tuple[str | None, int | None]:
    """Return the record type and id a request's route names (slug or /api/<slug>/{record_id})."""
    params = request.path_params
    template = getattr(request.scope.get("route"), "path", "")
    slug = params.get("slug")
    if slug is None and template:
        slug = template.split("/{record_id}")[0].rsplit("/", 1)[-1]
    named = by_slug(str(slug)) if slug else None
    record_type = named.name if named is not None and named.restricted else None
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


def client_tag(request: Request) -> str:
    """Return a short keyed hash of the client address: tells repeat callers apart, names no one."""
    host = request.client.host if request.client else ""
    key = str(getattr(request.app.state, "secret_key", "")).encode("utf-8")
    return hmac.new(key, ("client:" + host).encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def _refusal_reason(session: Session, request: Request, error: UserError) -> str:
    """Return why a request was refused, or "" when there is nothing to log."""
    user = request.scope.get("armsbridge_principal")
    if isinstance(error, PermissionDenied):
        return str(getattr(error, "reason", "role"))
    if isinstance(error, NotFound) and user is not None:
        record_type, record_id = _named_record(request)
        if record_type is None or record_id is None:
            return ""
        return _hidden_because(session, user, record_type, record_id)
    # A known API token that expired or was revoked: its use may be a stolen copy.
    return str(getattr(error, "reason", "")) if getattr(error, "actor", None) else ""


def log_refusal(session: Session, request: Request, error: UserError) -> bool:
    """Log one `refused` entry for a refused request; True if one was written.

    Logged: every 403 (role, CSRF, token scope; anonymous callers as "anonymous" with a hashed
    address), a 404 that hides a record a signed-in user may not see, and the use of an expired
    or revoked API token. Not logged: a sign-in needed (401) or a record that does not exist.
    """
    reason = _refusal_reason(session, request, error)
    if not reason:
        return False
    user = request.scope.get("armsbridge_principal")
    record_type, record_id = _named_record(request) if user is not None else (None, None)
    details = {
        "refused": True,
        "reason": reason,
        "status": error.status_code,
        "method": request.method,
        "path": request.url.path,
    }
    if user is not None:
        log_access(
            session,
            user=user,
            action="refused",
            record_type=record_type,
            record_id=record_id,
            details=details,
        )
        return True
    owner = getattr(error, "actor", None)
    log_event(
        session,
        actor=owner or ANONYMOUS,
        actor_jurisdiction=getattr(error, "actor_jurisdiction", None),
        action="refused",
        details={**details, "client": client_tag(request)} if owner is None else details,
    )
    return True
