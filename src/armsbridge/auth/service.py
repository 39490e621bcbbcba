"""Accounts, sign-in, sessions and API tokens (filled in by the authentication work)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from armsbridge.auth.permissions import Principal


def resolve_principal(session: Session, *, request: Request) -> Principal | None:
    """Return the user the request's cookie or bearer token stands for, or None."""
    return None


def csrf_token(request: Request) -> str:
    """Return the CSRF token of the request's browser session."""
    return ""
