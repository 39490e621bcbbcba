"""A signed-in user's own API tokens: list, create (shown once) and revoke.

Session only: a token cannot mint or revoke tokens, so a stolen one cannot outlive its revocation
by making a copy of itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from armsbridge.auth import tokens
from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.settings import get_settings
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Owner = Annotated[Principal, Depends(require("account.self", session_only=True))]
NO_STORE = {"Cache-Control": "no-store"}
SCOPE_LABELS = {
    "read": N_("read (GET only)"),
    "write": N_("write (create and change records)"),
    "admin": N_("admin (read administrative pages; never changes)"),
}
STATES = {"active": N_("active"), "expired": N_("expired"), "revoked": N_("revoked")}
FIELD_ERRORS = {
    "name": N_("Say what the token is for (1 to 120 characters)."),
    "scope": N_("Choose read, write or both (admin only for administrators)."),
    "expires_days": N_("Between 1 and %(num)s days."),
}
DONE = {"revoked": N_("The token was revoked; scripts using it are refused from now on.")}


def _rows(db: DB, user: Principal) -> list[dict[str, Any]]:
    today = datetime.now(UTC).date()
    return [
        {
            "id": t.id,
            "name": t.name,
            "prefix": t.prefix,
            "scopes": sorted(tokens.scopes_of(t), key=tokens.SCOPES.index),
            "created_at": t.created_at,
            "last_used_at": t.last_used_at,
            "expires_on": t.expires_on,
            "state": tokens.token_state(t, today),
        }
        for t in tokens.list_tokens(db, username=user.username)
    ]


def _page(
    request: Request,
    db: DB,
    user: Principal,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    new_token: dict[str, str] | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response:
    settings = get_settings()
    may_admin = role_allows(user.role, "user.manage")
    return render(
        request,
        "auth/tokens.html",
        {
            "tokens": _rows(db, user),
            "scopes": [s for s in tokens.SCOPES if s != "admin" or may_admin],
            "scope_labels": SCOPE_LABELS,
            "states": STATES,
            "form": form or {},
            "errors": errors or {},
            "new_token": new_token,
            "done": DONE.get(done),
            "default_days": settings.token_days_default,
            "max_days": settings.token_days_max,
        },
        status_code=status_code,
        headers=NO_STORE,
    )


@router.get("/account/tokens")
def tokens_page(request: Request, db: DB, user: Owner, done: str = "") -> Response:
    """The user's API tokens: name, scopes, created, last used, expiry; create and revoke."""
    return _page(request, db, user, done=done)


@router.post("/account/tokens")
def create_token(
    request: Request,
    db: DB,
    user: Owner,
    name: Annotated[str, Form(max_length=200)] = "",
    scope: Annotated[list[str] | None, Form()] = None,
    expires_days: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Create a token for the signed-in user; the page shows it this once."""
    form = {"name": name, "scope": scope or [], "expires_days": expires_days}
    try:
        days = int(expires_days) if expires_days.strip() else None
    except ValueError:
        days = 0  # refused below with the field named
    try:
        row, raw = tokens.issue_token(
            db,
            username=user.username,
            name=name,
            scopes=scope or [],
            expires_days=days,
            actor=user.username,
        )
    except ValidationFailed as exc:
        fields = {p.get("field", "") for p in exc.problems}
        errors = {f: FIELD_ERRORS.get(f, N_("This value is not accepted.")) for f in fields}
        return _page(request, db, user, form=form, errors=errors, status_code=exc.status_code)
    return _page(request, db, user, new_token={"name": row.name, "raw": raw}, status_code=201)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(token_id: int, db: DB, user: Owner) -> Response:
    """Revoke one of the user's own tokens (another's answers "not found")."""
    tokens.revoke_token(db, token_id=token_id, actor=user.username, owner=user)
    return RedirectResponse("/account/tokens?done=revoked", status_code=303)
