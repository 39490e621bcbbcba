"""FastAPI dependencies: the request's database session, the current user, permissions, CSRF.

Every route declares its permission with `dependencies=[Depends(require("record.read"))]` (or
`Depends(public)` for the few pages anyone may open); create_app refuses to start otherwise.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from armsbridge.auth import service
from armsbridge.auth.access import log_refusal
from armsbridge.auth.permissions import known_action, role_allows
from armsbridge.auth.principal import LoginRequired, Principal
from armsbridge.errors import PermissionDenied, UserError
from armsbridge.i18n_marker import N_, Label

__all__ = ["DB", "CurrentUser", "LoginRequired", "public", "require", "route_permission"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What a read-scope token may send: no OPTIONS either, since no route of the node answers it.
READ_METHODS = frozenset({"GET", "HEAD"})
# Administrative actions (accounts, roles, passwords, memberships, grants): an API token may at
# most read their pages (admin scope); changes need a signed-in session, which for these roles
# always has a second factor, so a stolen token cannot create an administrator.
ADMIN_ACTIONS = frozenset({"user.manage", "case.members"})
ADMIN_BY_TOKEN = "administrative actions need a signed-in session with a second factor"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
PERMISSION_ATTR = "__armsbridge_permission__"
SESSION_ONLY_ATTR = "__armsbridge_session_only__"
log = logging.getLogger("armsbridge.web")


def run_in_transaction(session: Session, request: Request | None = None) -> Iterator[Session]:
    """Yield `session`; commit if the caller's block succeeds, roll back if it raises.

    When `request` is given, a refused access to a record is then logged in a transaction of
    its own (see auth.access.log_refusal).
    """
    try:
        yield session
        session.commit()
    except UserError as exc:
        # A refused sign-in must still store its failed-attempt count and audit entry.
        if getattr(exc, "keep_changes", False):
            session.commit()
        else:
            session.rollback()
        if request is not None:
            record_refusal(session, request, exc)
        raise
    except BaseException:
        session.rollback()
        raise


def record_refusal(session: Session, request: Request, error: UserError) -> None:
    """Commit an audit entry for a refused access to a record; never hide the refusal itself."""
    try:
        if log_refusal(session, request, error):
            session.commit()
    except Exception:  # noqa: BLE001 - the user must still get the refusal, not a fault
        session.rollback()
        log.exception("could not log a refused access to %s", request.url.path)


def get_db(request: Request) -> Iterator[Session]:
    """Yield the request's session; commit if the request succeeds, roll back if it raises."""
    session = request.app.state.sessionmaker()
    try:
        yield from run_in_transaction(session, request)
    finally:
        session.close()


# scope="function": the commit happens before the response is sent, so a failed commit is a 500,
# never a success answer for data that was not stored.
DB = Annotated[Session, Depends(get_db, scope="function")]


def current_user(request: Request, db: DB) -> Principal | None:
    """Return the signed-in user (session cookie or `Authorization: Bearer` token), or None."""
    if "armsbridge_principal" in request.scope:
        return request.scope["armsbridge_principal"]
    principal = service.resolve_principal(db, request=request)
    request.scope["armsbridge_principal"] = principal
    return principal


CurrentUser = Annotated[Principal | None, Depends(current_user)]


async def check_csrf(request: Request, user: Principal | None) -> None:
    """Refuse an unsafe request from a browser unless it carries the session's CSRF token."""
    if request.method in SAFE_METHODS or (user is not None and user.via != "session"):
        return
    expected = service.csrf_token(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, expected):
        raise _refused("the form has expired or did not come from this site; reload it", "csrf")


def _refused(message: str, reason: str) -> PermissionDenied:
    refused = PermissionDenied(message)
    refused.reason = reason  # type: ignore[attr-defined]
    return refused


def check_token(user: Principal, action: str, method: str, *, session_only: bool = False) -> None:
    """Refuse (403) what an API token may not do: beyond its scopes, or administrative changes."""
    if user.via != "token":
        return
    if session_only:
        raise _refused(
            "this page needs a signed-in session, not an API token; sign in in a browser",
            "token_session_only",
        )
    if action in ADMIN_ACTIONS and method not in READ_METHODS:
        raise _refused(ADMIN_BY_TOKEN, "token_admin")
    if action in ADMIN_ACTIONS and "admin" not in user.scopes:
        raise _refused(
            "this API token lacks the admin scope needed to read administrative pages",
            "token_scope",
        )
    if method not in READ_METHODS and "write" not in user.scopes:
        raise _refused(
            f"this API token may only read (scopes: {', '.join(sorted(user.scopes))}); "
            f"{method} needs a token with the write scope (`--scope write`)",
            "token_scope",
        )


def require(action: str, *, session_only: bool = False) -> Any:
    """Return a dependency that lets the request through only if the user's role allows `action`.

    API tokens are held to their scopes (check_token); `session_only` refuses them outright.
    """
    if not known_action(action):
        raise ValueError(f"unknown action {action!r}: declare it in auth/roles.yaml")

    async def dependency(request: Request, user: CurrentUser) -> Principal:
        if user is None:
            raise LoginRequired("sign in first")
        if not role_allows(user.role, action):
            raise PermissionDenied(
                N_("Your role (%(role)s) may not do this."),
                values={"role": Label(user.role_label)},
            )
        check_token(user, action, request.method, session_only=session_only)
        await check_csrf(request, user)
        return user

    setattr(dependency, PERMISSION_ATTR, action)
    setattr(dependency, SESSION_ONLY_ATTR, session_only)
    dependency.__name__ = f"require_{action.replace('.', '_')}"
    return dependency


async def public(request: Request, user: CurrentUser) -> Principal | None:
    """Declare a route open to anyone (login page, health); unsafe methods still need CSRF."""
    await check_csrf(request, user)
    return user


setattr(public, PERMISSION_ATTR, "public")


def _permission_call(route: Any) -> Any:
    pending = [route.dependant] if getattr(route, "dependant", None) is not None else []
    while pending:
        dependant = pending.pop()
        if getattr(dependant.call, PERMISSION_ATTR, None) is not None:
            return dependant.call
        pending.extend(dependant.dependencies)
    return None


def route_takes_tokens(route: Any, method: str) -> bool:
    """False when a route refuses every API token for `method` (session-only, admin changes)."""
    call = _permission_call(route)
    if call is None or getattr(call, SESSION_ONLY_ATTR, False):
        return False
    return not (getattr(call, PERMISSION_ATTR) in ADMIN_ACTIONS and method not in READ_METHODS)


def route_permission(route: Any) -> str | None:
    """Return the action a route declares ("public" for open routes), or None if none."""
    call = _permission_call(route)
    return None if call is None else getattr(call, PERMISSION_ATTR)
