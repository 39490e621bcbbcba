"""Browser sessions (signed cookies), CSRF tokens and the pre-session cookie (tokens: tokens.py)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from http.cookies import CookieError, SimpleCookie

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from armsbridge.audit.service import log_event
from armsbridge.auth.models import AuthSession, User
from armsbridge.auth.principal import Principal, principal_of
from armsbridge.auth.tokens import principal_from_token

SESSION_COOKIE = "armsbridge_session"
PRE_SESSION_COOKIE = "armsbridge_pre"
SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def sha256(text: str) -> str:
    """Return the hex SHA-256 of `text`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.secret_key, salt="armsbridge.session")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def create_session(
    session: Session, *, user: User, request: Request, response: Response
) -> Principal:
    """Open a browser session for `user` and set its cookie on `response`."""
    raw = secrets.token_urlsafe(32)
    now = _now()
    session.add(
        AuthSession(
            token_hash=sha256(raw),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
            client=request.client.host if request.client else None,
        )
    )
    session.flush()
    response.set_cookie(
        SESSION_COOKIE,
        _serializer(request).dumps(raw),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )
    principal = principal_of(user, via="session", session_id=raw)
    request.scope["armsbridge_principal"] = principal
    return principal


def _cookie_session_id(request: Request) -> str | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        return str(
            _serializer(request).loads(cookie, max_age=int(SESSION_LIFETIME.total_seconds()))
        )
    except BadSignature:
        return None


def end_session(session: Session, *, request: Request, response: Response) -> None:
    """Close the request's browser session (logged as logout) and clear its cookie."""
    raw = _cookie_session_id(request)
    if raw:
        row = session.scalar(select(AuthSession).where(AuthSession.token_hash == sha256(raw)))
        if row is not None:
            user = session.get(User, row.user_id)
            session.delete(row)
            if user is not None:
                log_event(
                    session,
                    actor=user.username,
                    actor_jurisdiction=user.jurisdiction,
                    action="logout",
                )
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


def end_all_sessions(session: Session, *, user_id: int) -> None:
    """Close every browser session of a user (on disable or password reset)."""
    session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))


# Built once: every signed-in request runs it, and a reused statement keeps its SQL cache key.
_SESSION_BY_HASH = select(AuthSession).where(AuthSession.token_hash == bindparam("token_hash"))


def _from_cookie(session: Session, request: Request) -> Principal | None:
    raw = _cookie_session_id(request)
    if raw is None:
        return None
    row = session.scalar(_SESSION_BY_HASH, {"token_hash": sha256(raw)})
    now = _now()
    if row is None:
        return None
    if _aware(row.expires_at) < now or now - _aware(row.last_seen_at) > SESSION_IDLE:
        session.delete(row)
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    if now - _aware(row.last_seen_at) > timedelta(minutes=1):
        row.last_seen_at = now
    return principal_of(user, via="session", session_id=raw)


def resolve_principal(session: Session, *, request: Request) -> Principal | None:
    """Return the user the request's bearer token or session cookie stands for, or None."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return principal_from_token(session, header[7:].strip())
    return _from_cookie(session, request)


def csrf_token(request: Request) -> str:
    """Return the CSRF token bound to the request's session (or its pre-session cookie)."""
    principal = request.scope.get("armsbridge_principal")
    if principal is not None and principal.session_id:
        binding = "session:" + principal.session_id
    else:
        binding = "pre:" + (
            request.scope.get("armsbridge_pre") or request.cookies.get(PRE_SESSION_COOKIE) or ""
        )
    key = request.app.state.secret_key.encode("utf-8")
    return hmac.new(key, binding.encode("utf-8"), hashlib.sha256).hexdigest()


class PreSessionMiddleware:
    """Give every browser without cookies a random pre-session id, so the login form has CSRF."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Set the pre-session cookie on the answer when the request had none."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies: SimpleCookie = SimpleCookie()
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                with contextlib.suppress(CookieError):
                    cookies.load(value.decode("latin-1"))
        if PRE_SESSION_COOKIE in cookies:
            scope["armsbridge_pre"] = cookies[PRE_SESSION_COOKIE].value
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(24)
        scope["armsbridge_pre"] = nonce
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        header = f"{PRE_SESSION_COOKIE}={nonce}; Path=/; HttpOnly; SameSite=Strict{secure}"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", header.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
