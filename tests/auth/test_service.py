"""Accounts and sign-in: argon2id, TOTP, lock-out, rate limit, tokens, audit entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth import service
from armsbridge.errors import Conflict, UserError, ValidationFailed

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    service.reset_rate_limits()
    yield
    service.reset_rate_limits()


def _entries(session, action: str, actor: str) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == action, AuditEntry.actor == actor)
    return list(session.scalars(stmt))


def _add(session, username="ana", role="analyst", **kw):
    return service.create_user(
        session, username=username, password=PASSWORD, role=role, jurisdiction="XK", **kw
    )


def test_password_is_stored_as_argon2id_and_checked(session) -> None:
    user = _add(session).user
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert service.authenticate(session, username="ana", password=PASSWORD).id == user.id
    assert _entries(session, "login", "ana")


def test_wrong_password_is_refused_and_logged(session) -> None:
    _add(session)
    with pytest.raises(service.LoginFailed, match="wrong user name, password or code"):
        service.authenticate(session, username="ana", password="nope nope nope")
    (entry,) = _entries(session, "login_failed", "ana")
    assert entry.details["reason"] == "password"


def test_unknown_user_gets_the_same_message(session) -> None:
    with pytest.raises(service.LoginFailed, match="wrong user name, password or code"):
        service.authenticate(session, username="ghost", password=PASSWORD)
    assert _entries(session, "login_failed", "ghost")[0].details["reason"] == "unknown_user"


def test_account_locks_after_repeated_failures(session) -> None:
    _add(session)
    for _ in range(service.MAX_FAILURES):
        with pytest.raises(service.LoginFailed):
            service.authenticate(session, username="ana", password="wrong wrong wrong")
    # Even the right password gets the answer of an unknown name: the lock is not disclosed.
    with pytest.raises(service.LoginFailed) as locked:
        service.authenticate(session, username="ana", password=PASSWORD)
    with pytest.raises(service.LoginFailed) as unknown:
        service.authenticate(session, username="nobody", password=PASSWORD)
    assert type(locked.value) is type(unknown.value) is service.LoginFailed
    assert str(locked.value) == str(unknown.value) == "wrong user name, password or code"
    assert locked.value.status_code == unknown.value.status_code == 401
    last = max(_entries(session, "login_failed", "ana"), key=lambda e: e.seq)
    assert last.details["reason"] == "locked"
    user = service.get_user(session, "ana")
    assert user.locked_until is not None  # the admin page shows the lock from this
    user.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    assert service.authenticate(session, username="ana", password=PASSWORD).username == "ana"


def test_locked_and_unknown_accounts_cost_one_hash_check_each(session, monkeypatch) -> None:
    _add(session)
    service.get_user(session, "ana").locked_until = datetime.now(UTC) + timedelta(minutes=5)
    checks: list[str] = []
    real = service._hasher

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            checks.append(stored)
            return real.verify(stored, password)

        def check_needs_rehash(self, stored: str) -> bool:
            return real.check_needs_rehash(stored)

    monkeypatch.setattr(service, "_hasher", Counting())
    for name in ("ana", "ghost"):
        with pytest.raises(service.LoginFailed):
            service.authenticate(session, username=name, password=PASSWORD)
    # Same work for both (similar timing): the locked account's real hash, the dummy for ghost.
    assert checks == [service.get_user(session, "ana").password_hash, service._DUMMY_HASH]


def test_reset_unlocks(session) -> None:
    _add(session)
    for _ in range(service.MAX_FAILURES):
        with pytest.raises(service.LoginFailed):
            service.authenticate(session, username="ana", password="wrong wrong wrong")
    service.reset_user(session, username="ana", actor="root")
    assert service.authenticate(session, username="ana", password=PASSWORD)


def test_rate_limit_per_address_across_accounts(session) -> None:
    for i in range(service.CLIENT_MAX_FAILURES):
        with pytest.raises(service.LoginFailed):
            service.authenticate(session, username=f"probe{i}", password="x", client="10.0.0.9")
    _add(session)
    with pytest.raises(service.AccountLocked, match="this address"):
        service.authenticate(session, username="ana", password=PASSWORD, client="10.0.0.9")
    assert service.authenticate(session, username="ana", password=PASSWORD, client="10.0.0.8")


def test_administrators_always_get_a_second_factor(session) -> None:
    created = _add(session, username="root", role="administrator")
    assert created.provisioning_uri.startswith("otpauth://totp/armsbridge:root")
    with pytest.raises(service.SecondFactorRequired):
        service.authenticate(session, username="root", password=PASSWORD)
    with pytest.raises(service.LoginFailed):
        service.authenticate(session, username="root", password=PASSWORD, code="000000")
    code = pyotp.TOTP(service.totp_secret_of(created.user)).now()
    assert service.authenticate(session, username="root", password=PASSWORD, code=code)


def test_a_code_is_accepted_once_only(session) -> None:
    created = _add(session, username="root", role="administrator")
    code = pyotp.TOTP(service.totp_secret_of(created.user)).now()
    service.authenticate(session, username="root", password=PASSWORD, code=code)
    with pytest.raises(service.LoginFailed):
        service.authenticate(session, username="root", password=PASSWORD, code=code)


def test_second_factor_is_optional_for_others(session) -> None:
    created = _add(session, username="ivo", role="investigator", with_totp=True)
    assert created.provisioning_uri
    with pytest.raises(service.SecondFactorRequired):
        service.authenticate(session, username="ivo", password=PASSWORD)
    assert _add(session, username="bo", role="border_officer").provisioning_uri is None


def test_disabled_account_cannot_sign_in(session) -> None:
    _add(session)
    service.set_disabled(session, username="ana", disabled=True, actor="root")
    with pytest.raises(service.LoginFailed):
        service.authenticate(session, username="ana", password=PASSWORD)


def test_bad_accounts_are_refused_with_the_field(session) -> None:
    with pytest.raises(ValidationFailed, match="role"):
        _add(session, role="superuser")
    with pytest.raises(ValidationFailed, match="password"):
        service.create_user(
            session, username="x", password="short", role="analyst", jurisdiction="XK"
        )
    _add(session)
    with pytest.raises(Conflict):
        _add(session)


def test_api_token_is_shown_once_and_stored_hashed(session) -> None:
    from armsbridge.auth.models import ApiToken

    _add(session)
    raw = service.create_api_token(session, username="ana", name="nightly export")
    stored = session.scalar(select(ApiToken))
    assert raw.startswith("abt_") and raw not in (stored.token_hash, stored.prefix)
    assert len(stored.token_hash) == 64


def test_self_service_password_and_second_factor(session) -> None:
    _add(session, username="ivo", role="investigator")
    with pytest.raises(ValidationFailed, match="current password"):
        service.change_password(session, username="ivo", current="wrong", new="x" * 12)
    service.change_password(session, username="ivo", current=PASSWORD, new="a new long password")
    assert service.authenticate(session, username="ivo", password="a new long password")
    secret = service.new_totp_secret()
    with pytest.raises(ValidationFailed, match="code"):
        service.enrol_totp(session, username="ivo", secret=secret, code="000000")
    service.enrol_totp(session, username="ivo", secret=secret, code=pyotp.TOTP(secret).now())
    with pytest.raises(service.SecondFactorRequired):
        service.authenticate(session, username="ivo", password="a new long password")
    service.remove_totp(session, username="ivo")
    assert service.authenticate(session, username="ivo", password="a new long password")


def test_administrators_cannot_drop_their_second_factor(session) -> None:
    _add(session, username="root", role="administrator")
    with pytest.raises(UserError, match="requires a second factor"):
        service.remove_totp(session, username="root")
