"""TOTP secrets at rest: sealed with the node's SecretBox key, never the base32 secret."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import text

from armsbridge.auth import service
from armsbridge.db import keys

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    service.reset_rate_limits()
    yield
    service.reset_rate_limits()


def _stored(session, username: str) -> str:  # noqa: ANN001
    """The users.totp_secret column as a copy of the database would show it."""
    query = text("SELECT totp_secret FROM users WHERE username = :u")
    return session.execute(query, {"u": username}).scalar_one()


def _add(session, username: str = "root"):  # noqa: ANN001, ANN202
    return service.create_user(
        session, username=username, password=PASSWORD, role="administrator", jurisdiction="XK"
    )


def test_the_column_holds_a_sealed_secret_not_the_base32_one(session, node_keys) -> None:
    created = _add(session)
    session.flush()
    secret = service.totp_secret_of(created.user)
    stored = _stored(session, "root")
    assert secret and len(secret) >= 16 and secret not in stored
    assert stored.startswith("sb1:") and secret in created.provisioning_uri
    key_file = keys.keys_dir(node_keys) / keys.SECRETS_KEY
    assert key_file.stat().st_mode & 0o777 == 0o600
    code = pyotp.TOTP(secret).now()
    assert service.authenticate(session, username="root", password=PASSWORD, code=code)


def test_a_secret_enrolled_on_the_account_page_is_sealed(session) -> None:
    user = service.create_user(
        session, username="ivo", password=PASSWORD, role="investigator", jurisdiction="XK"
    ).user
    secret = service.new_totp_secret()
    service.enrol_totp(session, username="ivo", secret=secret, code=pyotp.TOTP(secret).now())
    session.flush()
    assert secret not in _stored(session, "ivo") and service.totp_secret_of(user) == secret


def test_a_plain_secret_of_before_still_works_and_is_sealed_at_the_next_sign_in(session) -> None:
    _add(session)
    plain = pyotp.random_base32()
    session.flush()
    session.execute(text("UPDATE users SET totp_secret = :s WHERE username = 'root'"), {"s": plain})
    session.expire_all()
    code = pyotp.TOTP(plain).now()
    assert service.authenticate(session, username="root", password=PASSWORD, code=code)
    session.flush()
    stored = _stored(session, "root")
    assert plain not in stored and stored.startswith("sb1:")


def test_seal_secrets_seals_every_plain_secret_once(session) -> None:
    _add(session, "root")
    _add(session, "root2")
    session.flush()
    plain = pyotp.random_base32()
    session.execute(text("UPDATE users SET totp_secret = :s WHERE username = 'root'"), {"s": plain})
    session.expire_all()
    assert service.seal_plain_totp_secrets(session) == 1
    session.flush()
    assert plain not in _stored(session, "root")
    assert service.seal_plain_totp_secrets(session) == 0


def test_a_sealed_secret_without_its_key_file_is_refused_with_a_message(session, node_keys) -> None:
    _add(session)
    session.flush()
    (keys.keys_dir(node_keys) / keys.SECRETS_KEY).unlink()
    keys._cache.clear()
    with pytest.raises(keys.KeyMissing, match="secrets.key is missing"):
        service.authenticate(session, username="root", password=PASSWORD, code="123456")
