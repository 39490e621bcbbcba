"""Sign-in (password, then the TOTP code when the account has one), sign-out, account page."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from armsbridge.auth import admin_pages, service, token_pages
from armsbridge.auth.dependencies import DB, public, require
from armsbridge.auth.principal import Principal
from armsbridge.auth.sessions import create_session, end_session
from armsbridge.i18n_marker import N_
from armsbridge.web.i18n import normalise_language
from armsbridge.web.templating import LANGUAGE_COOKIE, LANGUAGE_PICKED_COOKIE, formatter, render

router = APIRouter(tags=["pages"], include_in_schema=False)
router.include_router(admin_pages.router)
router.include_router(token_pages.router)
PENDING_SECONDS = 300
# Sign-in messages of the auth service, marked so the login page shows them translated.
MESSAGES = (
    N_("wrong user name, password or code"),
    N_("too many failed sign-ins from this address; wait a few minutes"),
    N_("this account needs a second factor; ask an administrator to reset it"),
    N_("The sign-in took too long; start again."),
)
NO_STORE = {"Cache-Control": "no-store"}


def _box(request: Request) -> SecretBox:
    key = hashlib.sha256(("login-step:" + request.app.state.secret_key).encode()).digest()
    return SecretBox(key)


def seal_pending(request: Request, username: str, password: str) -> str:
    """Return an encrypted, time-stamped token carrying the first step between the two steps."""
    payload = json.dumps({"u": username, "p": password, "t": int(time.time())}).encode()
    return base64.urlsafe_b64encode(_box(request).encrypt(payload)).decode()


def open_pending(request: Request, token: str) -> tuple[str, str] | None:
    """Return (username, password) of a pending sign-in, or None if forged or expired."""
    try:
        data = json.loads(_box(request).decrypt(base64.urlsafe_b64decode(token.encode())))
    except (CryptoError, ValueError, TypeError):
        return None
    if time.time() - data.get("t", 0) > PENDING_SECONDS:
        return None
    return data["u"], data["p"]


def safe_next(target: str) -> str:
    """Return `target` if it is a path on this node, else "/" (no redirect to another site)."""
    # Browsers read a backslash as "/" and drop tabs and newlines: "/\\evil" is "//evil".
    if (
        not target.startswith("/")
        or target.startswith("//")
        or any(c == "\\" or ord(c) < 32 or ord(c) == 127 for c in target)
    ):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


def _login_form(
    request: Request,
    *,
    next: str,
    error: str | None = None,
    pending: str | None = None,
    username: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "auth/login.html",
        {"next": safe_next(next), "error": error, "pending": pending, "username": username},
        status_code=status_code,
        headers=NO_STORE,
    )


@router.get("/login")
def login_page(
    request: Request, user: Annotated[Principal | None, Depends(public)], next: str = "/"
) -> Response:
    """The sign-in form (already signed-in users go on to where they were going)."""
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_form(request, next=next)


@router.post("/login")
def login_submit(
    request: Request,
    db: DB,
    _: Annotated[Principal | None, Depends(public)],
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    pending: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password (step 1) and the TOTP code (step 2); open a session on success."""
    if pending:
        opened = open_pending(request, pending)
        if opened is None:
            return _login_form(
                request,
                next=next,
                error=N_("The sign-in took too long; start again."),
                status_code=401,
            )
        username, password = opened
    client = request.client.host if request.client else None
    try:
        account = service.authenticate(
            db,
            username=username.strip(),
            password=password,
            code=code.strip() or None,
            client=client,
        )
    except service.SecondFactorRequired:
        return _login_form(
            request,
            next=next,
            pending=seal_pending(request, username.strip(), password),
            username=username.strip(),
        )
    except service.LoginFailed as exc:
        return _login_form(
            request,
            next=next,
            error=formatter(request).error(exc),
            username=username,
            status_code=401,
        )
    picked = request.cookies.get(LANGUAGE_PICKED_COOKIE)
    if picked:  # chosen on the sign-in page: it becomes the account's language
        account.language = normalise_language(picked)
    response = RedirectResponse(safe_next(next), status_code=303)
    create_session(db, user=account, request=request, response=response)
    response.delete_cookie(LANGUAGE_PICKED_COOKIE)
    response.set_cookie(
        LANGUAGE_COOKIE, normalise_language(account.language), samesite="strict", httponly=True
    )
    return response


@router.post("/logout")
def logout(
    request: Request, db: DB, _: Annotated[Principal, Depends(require("account.self"))]
) -> Response:
    """Close the session and go back to the sign-in page."""
    response = RedirectResponse("/login", status_code=303)
    end_session(db, request=request, response=response)
    return response


@router.get("/account")
def account_page(
    request: Request, user: Annotated[Principal, Depends(require("account.self"))]
) -> Response:
    """The user's own account: role, jurisdiction and language."""
    return render(request, "auth/account.html")
