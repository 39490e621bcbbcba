"""API tokens for scripts: scopes, expiry, last use and revocation, every change audit-logged.

A token is shown once and stored as its SHA-256. Its scopes say what it may do: `read` only safe
requests (GET, HEAD), `write` changes too, `admin` reading administrative pages. Administrative
changes are never made by a token, whatever its scopes (auth.dependencies refuses them).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from armsbridge.audit.service import log_event
from armsbridge.auth.models import ApiToken, User
from armsbridge.auth.permissions import role_allows, role_label
from armsbridge.auth.principal import LoginRequired, Principal, principal_of
from armsbridge.errors import NotFound, ValidationFailed
from armsbridge.i18n_marker import N_, Label
from armsbridge.settings import get_settings

TOKEN_PREFIX = "abt_"
SCOPES = ("read", "write", "admin")
DEFAULT_SCOPES = ("read",)
LAST_USED_EVERY = timedelta(minutes=5)  # last_used_at is written at most this often
NEW_TOKEN_HINT = Label(
    N_("create a new one on the page /account/tokens or with `armsbridge user token USER`")
)


class TokenRefused(LoginRequired):
    """The bearer token is unknown, expired or revoked (401); the message says which and why."""

    def __init__(
        self,
        message: str,
        *,
        owner: User | None = None,
        reason: str = "",
        values: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message, values=values)
        # The account of a known token, so the refused use is logged under its name.
        self.actor = owner.username if owner is not None else None
        self.actor_jurisdiction = owner.jurisdiction if owner is not None else None
        self.reason = reason


def _today() -> date:
    return datetime.now(UTC).date()


def hash_token(raw: str) -> str:
    """Return the hex SHA-256 under which a token is stored."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def scopes_of(token: ApiToken) -> frozenset[str]:
    """Return the scopes of a stored token."""
    return frozenset(token.scopes.split())


def check_scopes(scopes: tuple[str, ...] | list[str], *, role: str) -> tuple[str, ...]:
    """Return `scopes` in canonical order; refuse an unknown one, none, or admin for a non-admin."""
    chosen = tuple(s for s in SCOPES if s in set(scopes))
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not chosen:
        raise ValidationFailed(
            N_("scope: %(value)s is not one of %(value2)s"),
            [{"field": "scope", "value": ",".join(unknown), "expected": "read, write or admin"}],
            values={"value": ", ".join(unknown) or "none given", "value2": ", ".join(SCOPES)},
        )
    if "admin" in chosen and not role_allows(role, "user.manage"):
        raise ValidationFailed(
            N_("scope: admin is only for accounts whose role manages users (this one is %(role)s)"),
            [{"field": "scope", "value": "admin", "expected": "read or write"}],
            values={"role": Label(role_label(role))},
        )
    return chosen


def check_days(days: int | None) -> int:
    """Return the validity in days (the node's default when None); refuse 0 or over the maximum."""
    settings = get_settings()
    days = settings.token_days_default if days is None else days
    if not 1 <= days <= settings.token_days_max:
        raise ValidationFailed(
            N_(
                "expires-days: %(days)s is not between 1 and %(token_days_max)s (the node's "
                "maximum, setting ARMSBRIDGE_TOKEN_DAYS_MAX)"
            ),
            [
                {
                    "field": "expires_days",
                    "value": str(days),
                    "expected": f"1-{settings.token_days_max}",
                }
            ],
            values={"days": days, "token_days_max": settings.token_days_max},
        )
    return days


def _owner(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(
            N_("no user %(username)r; `armsbridge user list` shows the accounts"),
            values={"username": username},
        )
    return user


def issue_token(
    session: Session,
    *,
    username: str,
    name: str,
    scopes: tuple[str, ...] | list[str] = DEFAULT_SCOPES,
    expires_days: int | None = None,
    actor: str | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `username`; return the stored row and the raw token (shown once)."""
    user = _owner(session, username)
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationFailed(
            N_("name: %(name)r must be 1-120 characters (say what the token is for)"),
            [{"field": "name", "value": name, "expected": "1-120 chars"}],
            values={"name": name},
        )
    chosen = check_scopes(scopes, role=user.role)
    days = check_days(expires_days)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(raw),
        prefix=raw[:12],
        scopes=" ".join(chosen),
        created_by=actor or username,
        expires_on=_today() + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    log_event(
        session,
        actor=actor or username,
        actor_jurisdiction=user.jurisdiction,
        action="admin",
        jurisdiction=user.jurisdiction,
        details={
            "op": "token.create",
            "username": username,
            "token_id": row.id,
            "name": name,
            "prefix": row.prefix,
            "scopes": list(chosen),
            "expires_on": row.expires_on.isoformat(),
        },
    )
    return row, raw


def create_api_token(
    session: Session,
    *,
    username: str,
    name: str,
    scopes: tuple[str, ...] | list[str] = DEFAULT_SCOPES,
    expires_days: int | None = None,
    actor: str | None = None,
) -> str:
    """Create a token for `username` and return it (shown once; only its hash is kept)."""
    return issue_token(
        session,
        username=username,
        name=name,
        scopes=scopes,
        expires_days=expires_days,
        actor=actor,
    )[1]


def list_tokens(session: Session, *, username: str) -> list[ApiToken]:
    """Return every token of `username` (revoked and expired ones too), newest first."""
    user = _owner(session, username)
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return list(session.scalars(stmt))


def token_state(token: ApiToken, today: date | None = None) -> str:
    """Return "active", "expired" or "revoked"."""
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_on < (today or _today()) else "active"


def revoke_token(
    session: Session, *, token_id: int, actor: str, owner: Principal | None = None
) -> ApiToken:
    """Revoke one token; with `owner`, only one of theirs (another's is "not found")."""
    row = session.get(ApiToken, token_id)
    if row is None or (owner is not None and row.user_id != owner.id):
        raise NotFound(
            N_("no API token %(token_id)s; `armsbridge user token --list USER` lists them"),
            values={"token_id": token_id},
        )
    user = session.get(User, row.user_id)
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        row.revoked_reason = "owner" if owner is not None else "administrator"
        log_event(
            session,
            actor=actor,
            actor_jurisdiction=user.jurisdiction if user else None,
            action="admin",
            jurisdiction=user.jurisdiction if user else None,
            details={
                "op": "token.revoke",
                "username": user.username if user else None,
                "token_id": row.id,
                "prefix": row.prefix,
            },
        )
    return row


def revoke_user_tokens(session: Session, *, user: User, reason: str, actor: str) -> int:
    """Revoke every live token of `user` (password reset, lock, disable); return how many."""
    ids = list(
        session.scalars(
            select(ApiToken.id).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        )
    )
    if not ids:
        return 0
    session.execute(
        update(ApiToken)
        .where(ApiToken.id.in_(ids))
        .values(revoked_at=datetime.now(UTC), revoked_reason=reason),
        execution_options={"synchronize_session": "fetch"},
    )
    log_event(
        session,
        actor=actor,
        actor_jurisdiction=user.jurisdiction,
        action="admin",
        jurisdiction=user.jurisdiction,
        details={
            "op": "token.revoke_all",
            "username": user.username,
            "reason": reason,
            "token_ids": ids,
        },
    )
    return len(ids)


def principal_from_token(session: Session, raw: str) -> Principal:
    """Return the Principal a bearer token stands for; TokenRefused (401) saying why if none."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if row is None:
        raise TokenRefused(
            N_("this API token is not valid; %(new_token_hint)s"),
            values={"new_token_hint": NEW_TOKEN_HINT},
        )
    user = session.get(User, row.user_id)
    if row.revoked_at is not None:
        raise TokenRefused(
            N_("this API token (%(prefix)s...) was revoked on %(day)s (%(why)s); %(hint)s"),
            values={
                "prefix": row.prefix,
                "day": f"{row.revoked_at:%Y-%m-%d}",
                "why": (row.revoked_reason or "revoked").replace("_", " "),
                "hint": NEW_TOKEN_HINT,
            },
            owner=user,
            reason="token_revoked",
        )
    if row.expires_on < _today():
        raise TokenRefused(
            N_("this API token (%(prefix)s...) expired on %(value)s; %(new_token_hint)s"),
            owner=user,
            reason="token_expired",
            values={
                "prefix": row.prefix,
                "value": row.expires_on.isoformat(),
                "new_token_hint": NEW_TOKEN_HINT,
            },
        )
    if user is None or user.disabled:
        raise TokenRefused(
            "the account of this API token is disabled; ask an administrator",
            owner=user,
            reason="account_disabled",
        )
    now = datetime.now(UTC)
    last = row.last_used_at
    if last is None or now - (last if last.tzinfo else last.replace(tzinfo=UTC)) > LAST_USED_EVERY:
        row.last_used_at = now
    return principal_of(user, via="token", scopes=scopes_of(row))
