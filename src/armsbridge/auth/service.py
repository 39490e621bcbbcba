"""Accounts and sign-in: argon2id passwords, TOTP second factor, lock-out and rate limit."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.audit.service import log_event
from armsbridge.auth.models import User
from armsbridge.auth.permissions import role_label, role_names, second_factor_required
from armsbridge.auth.sessions import (  # noqa: F401 - the public sign-in API lives here too
    create_session,
    csrf_token,
    end_all_sessions,
    end_session,
    principal_of,
    resolve_principal,
)
from armsbridge.auth.tokens import (  # noqa: F401 - the public token API lives here too
    create_api_token,
    revoke_user_tokens,
)
from armsbridge.db import keys
from armsbridge.errors import Conflict, NotFound, UserError, ValidationFailed
from armsbridge.i18n_marker import N_, Label, Phrase

MAX_FAILURES = 5  # failed sign-ins in a row before the account locks
LOCK_MINUTES = 15
CLIENT_WINDOW_SECONDS = 600  # per-address rate limit: at most CLIENT_MAX_FAILURES in the window
CLIENT_MAX_FAILURES = 20
MIN_PASSWORD_LENGTH = 12
LANGUAGES = ("en", "sq", "mk", "sr")
JURISDICTIONS = ("XK", "MK")
ISSUER = "armsbridge"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not a real password, used to keep timing equal")
_client_failures: dict[str, deque[float]] = {}
_client_lock = threading.Lock()


class LoginFailed(UserError):
    """Wrong user name, password or code; the message never says which."""

    status_code = 401
    keep_changes = True  # the failed-attempt counter and the audit entry must be stored


class SecondFactorRequired(LoginFailed):
    """The password was right; the 6-digit code from the authenticator app is needed too."""


class AccountLocked(LoginFailed):
    """Too many failed attempts for this account or from this address; try again later."""

    status_code = 429


@dataclass
class NewUser:
    """A created or reset account: the user, and the TOTP provisioning URI when one was made."""

    user: User
    provisioning_uri: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def hash_password(password: str) -> str:
    """Return the argon2id hash of `password`."""
    return _hasher.hash(password)


def check_password_policy(password: str) -> None:
    """Refuse passwords shorter than MIN_PASSWORD_LENGTH characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            N_("password: at least %(min_password_length)s characters are needed"),
            [
                {
                    "field": "password",
                    "value": "***",
                    "expected": Phrase(N_(">= %(count)s chars"), {"count": MIN_PASSWORD_LENGTH}),
                }
            ],
            values={"min_password_length": MIN_PASSWORD_LENGTH},
        )


def seal_totp_secret(secret: str) -> str:
    """Return a TOTP secret sealed with the node's secret box, as the users table keeps it."""
    return keys.seal(keys.node_settings(), secret)


def totp_secret_of(user: User) -> str | None:
    """Return the plain TOTP secret of `user` (opening a sealed one), or None."""
    if not user.totp_secret:
        return None
    return keys.unseal(keys.node_settings(), user.totp_secret)


def seal_plain_totp_secrets(session: Session) -> int:
    """Seal every TOTP secret still stored in plain (written before sealing); return how many."""
    sealed = 0
    for user in session.scalars(select(User).where(User.totp_secret.is_not(None))):
        if not keys.is_sealed(user.totp_secret):
            user.totp_secret = seal_totp_secret(str(user.totp_secret))
            sealed += 1
    return sealed


def provisioning_uri(user: User) -> str:
    """Return the otpauth:// URI an authenticator app scans for `user`."""
    secret = totp_secret_of(user)
    if not secret:
        raise UserError(N_("%(username)s has no second factor"), values={"username": user.username})
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def get_user(session: Session, username: str) -> User:
    """Return the user called `username`, or raise NotFound."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(N_("no user %(username)r"), values={"username": username})
    return user


def service_of(session: Session, username: str) -> str | None:
    """Return the jurisdiction of the account `username` (None for "cli" and unknown names)."""
    return session.scalar(select(User.jurisdiction).where(User.username == username))


def _check_choice(field: str, value: str, allowed: tuple[str, ...] | list[str]) -> None:
    if value not in allowed:
        expected = ", ".join(allowed)
        raise ValidationFailed(
            N_("%(field)s: %(value)r is not one of %(expected)s"),
            [
                {
                    "field": field,
                    "value": value,
                    "expected": Phrase(N_("one of %(expected)s"), {"expected": expected}),
                }
            ],
            values={"field": field, "value": value, "expected": expected},
        )


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    jurisdiction: str,
    display_name: str = "",
    language: str = "en",
    with_totp: bool = False,
    actor: str = "system",
) -> NewUser:
    """Create an account; administrators always get a TOTP secret (its URI is returned)."""
    username = username.strip()
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        raise ValidationFailed(
            N_("username: %(username)r must be 1-80 characters without spaces"),
            [{"field": "username", "value": username, "expected": "1-80 chars, no spaces"}],
            values={"username": username},
        )
    _check_choice("role", role, role_names())
    _check_choice("jurisdiction", jurisdiction, JURISDICTIONS)
    _check_choice("language", language, LANGUAGES)
    check_password_policy(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(N_("user %(username)r already exists"), values={"username": username})
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        jurisdiction=jurisdiction,
        language=language,
        password_hash=hash_password(password),
        totp_secret=seal_totp_secret(pyotp.random_base32())
        if with_totp or second_factor_required(role)
        else None,
    )
    session.add(user)
    session.flush()
    log_event(
        session,
        actor=actor,
        actor_jurisdiction=service_of(session, actor),
        action="admin",
        jurisdiction=jurisdiction,
        details={"op": "user.add", "username": username, "role": role},
    )
    return NewUser(user, provisioning_uri(user) if user.totp_secret else None)


def set_disabled(session: Session, *, username: str, disabled: bool, actor: str) -> User:
    """Disable (or enable again) an account; disabling closes its sessions and revokes tokens."""
    user = get_user(session, username)
    user.disabled = disabled
    if disabled:
        end_all_sessions(session, user_id=user.id)
        revoke_user_tokens(session, user=user, reason="disabled", actor=actor)
    op = "user.disable" if disabled else "user.enable"
    log_event(
        session,
        actor=actor,
        actor_jurisdiction=service_of(session, actor),
        action="admin",
        jurisdiction=user.jurisdiction,
        details={"op": op, "username": username},
    )
    return user


def reset_user(
    session: Session,
    *,
    username: str,
    password: str | None = None,
    new_totp: bool = False,
    actor: str,
) -> NewUser:
    """Unlock an account; optionally set a new password (which revokes its API tokens)."""
    user = get_user(session, username)
    user.failed_attempts = 0
    user.locked_until = None
    if password is not None:
        check_password_policy(password)
        user.password_hash = hash_password(password)
        user.password_changed_at = _now()
        end_all_sessions(session, user_id=user.id)
        revoke_user_tokens(session, user=user, reason="password_reset", actor=actor)
    if new_totp:
        user.totp_secret = seal_totp_secret(pyotp.random_base32())
        user.totp_last_step = None
    log_event(
        session,
        actor=actor,
        actor_jurisdiction=service_of(session, actor),
        action="admin",
        jurisdiction=user.jurisdiction,
        details={
            "op": "user.reset",
            "username": username,
            "password": password is not None,
            "totp": new_totp,
        },
    )
    return NewUser(user, provisioning_uri(user) if new_totp else None)


def list_users(session: Session) -> list[User]:
    """Return every account, by user name."""
    return list(session.scalars(select(User).order_by(User.username)))


def _client_blocked(client: str | None) -> bool:
    if not client:
        return False
    cutoff = time.monotonic() - CLIENT_WINDOW_SECONDS
    with _client_lock:
        failures = _client_failures.get(client)
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures is not None and len(failures) >= CLIENT_MAX_FAILURES


def _note_client_failure(client: str | None) -> None:
    if client:
        with _client_lock:
            _client_failures.setdefault(client, deque()).append(time.monotonic())


def reset_rate_limits() -> None:
    """Forget every per-address failure (tests, or after an administrator's review)."""
    with _client_lock:
        _client_failures.clear()


def _fail(session: Session, username: str, reason: str, client: str | None) -> None:
    _note_client_failure(client)
    log_event(
        session,
        actor=username[:80] or "(empty)",
        actor_jurisdiction=service_of(session, username) if username else None,
        action="login_failed",
        details={"reason": reason, "client": client},
    )


def _count_failure(session: Session, user: User, now: datetime) -> None:
    """Count a failed sign-in; at MAX_FAILURES lock the account and revoke its API tokens."""
    user.failed_attempts += 1
    if user.failed_attempts >= MAX_FAILURES:
        user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        user.failed_attempts = 0
        # Someone is guessing this account's password: a token stolen with it must stop too.
        revoke_user_tokens(session, user=user, reason="locked", actor=user.username)


def _code_step(secret: str, code: str, last_step: int | None) -> int | None:
    totp = pyotp.TOTP(secret)
    code = code.strip().replace(" ", "")
    now = int(time.time())
    for offset in (-1, 0, 1):
        step = (now // totp.interval) + offset
        if (last_step is None or step > last_step) and pyotp.utils.strings_equal(
            totp.generate_otp(step), code
        ):
            return step
    return None


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    code: str | None = None,
    client: str | None = None,
) -> User:
    """Check password and (when set or required) the TOTP code; return the user or raise."""
    generic = N_("wrong user name, password or code")
    if _client_blocked(client):
        _fail(session, username, "rate_limited", client)
        raise AccountLocked(N_("too many failed sign-ins from this address; wait a few minutes"))
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)  # same cost as a real check: no user probing
        _fail(session, username, "unknown_user", client)
        raise LoginFailed(generic)
    now = _now()
    try:
        password_ok: bool = _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        password_ok = False
    locked = _aware(user.locked_until) if user.locked_until else None
    if locked is not None and locked > now:
        # The answer of an unknown name, after the same hash check: saying "locked" would tell
        # a prober that the name exists. The log and the admin page still show the lock.
        _fail(session, username, "locked", client)
        raise LoginFailed(generic)
    if not password_ok or user.disabled:
        _count_failure(session, user, now)
        _fail(session, username, "disabled" if password_ok else "password", client)
        raise LoginFailed(generic)
    if second_factor_required(user.role) and not user.totp_secret:
        _fail(session, username, "second_factor_not_set_up", client)
        raise LoginFailed(
            N_("this account needs a second factor; ask an administrator to reset it")
        )
    if user.totp_secret:
        if not code:
            raise SecondFactorRequired(N_("enter the 6-digit code from your authenticator app"))
        step = _code_step(str(totp_secret_of(user)), code, user.totp_last_step)
        if step is None:
            _count_failure(session, user, now)
            _fail(session, username, "code", client)
            raise LoginFailed(generic)
        user.totp_last_step = step
        if not keys.is_sealed(user.totp_secret):
            user.totp_secret = seal_totp_secret(user.totp_secret)  # stored before sealing
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_attempts = 0
    user.locked_until = None
    user.last_login_at = now
    log_event(
        session,
        actor=user.username,
        actor_jurisdiction=user.jurisdiction,
        action="login",
        details={"client": client},
    )
    return user


def change_password(session: Session, *, username: str, current: str, new: str) -> User:
    """Change one's own password (the current one is checked); sessions and tokens end."""
    user = get_user(session, username)
    try:
        ok: bool = _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise ValidationFailed(
            "current password: it is not the right one",
            [{"field": "current", "value": "***", "expected": "your current password"}],
        )
    check_password_policy(new)
    user.password_hash = hash_password(new)
    user.password_changed_at = _now()
    end_all_sessions(session, user_id=user.id)
    revoke_user_tokens(session, user=user, reason="password_change", actor=username)
    log_event(
        session,
        actor=username,
        actor_jurisdiction=user.jurisdiction,
        action="admin",
        details={"op": "password.change"},
    )
    return user


def new_totp_secret() -> str:
    """Return a fresh TOTP secret for an enrolment (stored only once a code confirms it)."""
    return pyotp.random_base32()


def enrol_totp(session: Session, *, username: str, secret: str, code: str) -> User:
    """Turn on the second factor with `secret` once a code from the app proves it was scanned."""
    user = get_user(session, username)
    step = _code_step(secret, code, None)
    if step is None:
        raise ValidationFailed(
            "code: it does not match; scan the code again and enter the current 6 digits",
            [{"field": "code", "value": code, "expected": "the 6-digit code of the app"}],
        )
    user.totp_secret = seal_totp_secret(secret)
    user.totp_last_step = step
    log_event(
        session,
        actor=username,
        actor_jurisdiction=user.jurisdiction,
        action="admin",
        details={"op": "totp.enrol"},
    )
    return user


def remove_totp(session: Session, *, username: str) -> User:
    """Turn off one's own second factor (refused for roles that require it)."""
    user = get_user(session, username)
    if second_factor_required(user.role):
        raise UserError(
            N_("the %(role)s role requires a second factor"),
            values={"role": Label(role_label(user.role))},
        )
    user.totp_secret = None
    user.totp_last_step = None
    log_event(
        session,
        actor=username,
        actor_jurisdiction=user.jurisdiction,
        action="admin",
        details={"op": "totp.remove"},
    )
    return user
