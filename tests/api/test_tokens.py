"""API tokens under attack: scopes, expiry, revocation, no administration by token, refusals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from sqlalchemy import select

from armsbridge.app import create_app
from armsbridge.audit.models import AuditEntry
from armsbridge.auth import service, tokens
from armsbridge.auth.dependencies import ADMIN_BY_TOKEN, require
from armsbridge.auth.models import ApiToken, User
from armsbridge.errors import NotFound, ValidationFailed
from armsbridge.settings import Settings

from .conftest import PASSWORD, bind_to_session

NEW_PASSWORD = "a brand new long password"
WHY = {"why": "checking a lead"}
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _refusals(session, actor: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == "refused").order_by(AuditEntry.seq)
    if actor is not None:
        stmt = stmt.where(AuditEntry.actor == actor)
    return list(session.scalars(stmt))


def _admin_ops(session, op: str) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == "admin").order_by(AuditEntry.seq)
    return [e for e in session.scalars(stmt) if (e.details or {}).get("op") == op]


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def _csrf(page) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def _sign_in(app, username: str, code: str | None = None) -> TestClient:
    """A browser signed in through the login form (with the TOTP code when given)."""
    browser = TestClient(app, raise_server_exceptions=False)
    form = {"username": username, "password": PASSWORD, "next": "/"}
    form["csrf_token"] = _csrf(browser.get("/login"))
    if code:
        form["code"] = code
    answer = browser.post("/login", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:500]
    return browser


def _admin_browser(app, session) -> TestClient:
    """An administrator signed in with password and second factor."""
    created = service.create_user(
        session, username="root", password=PASSWORD, role="administrator", jurisdiction="XK"
    )
    secret = pyotp.parse_uri(created.provisioning_uri).secret
    return _sign_in(app, "root", pyotp.TOTP(secret).now())


def _token_of(session, username: str) -> ApiToken:
    stmt = select(ApiToken).join(User, User.id == ApiToken.user_id)
    return session.scalar(stmt.where(User.username == username))


# --- Administrative actions are never done by a token ------------------------------------------


def test_admin_token_cannot_create_an_administrator(app, client, world, session) -> None:
    admin = world.personas["administrator"]
    answer = client.post(
        "/admin/users",
        headers=admin.headers,
        data={
            "username": "mallory",
            "password": "mallory's long password",
            "role": "administrator",
            "jurisdiction": "XK",
        },
    )
    assert answer.status_code == 403
    assert answer.json()["error"] == ADMIN_BY_TOKEN
    assert session.scalar(select(User).where(User.username == "mallory")) is None
    (refusal,) = _refusals(session, admin.username)
    assert refusal.details["reason"] == "token_admin"
    assert refusal.details["path"] == "/admin/users"


@pytest.mark.parametrize("op", ["password", "disable", "unlock", "enable"])
def test_admin_token_cannot_reset_disable_or_unlock(app, client, world, session, op) -> None:
    admin = world.personas["administrator"]
    before = service.get_user(session, "analyst_xk").password_hash
    answer = client.post(
        f"/admin/users/analyst_xk/{op}", headers=admin.headers, data={"password": NEW_PASSWORD}
    )
    assert answer.status_code == 403 and answer.json()["error"] == ADMIN_BY_TOKEN
    analyst = service.get_user(session, "analyst_xk")
    assert analyst.password_hash == before and not analyst.disabled
    assert [e.details["reason"] for e in _refusals(session, admin.username)] == ["token_admin"]


def test_an_admin_scope_token_may_read_the_accounts_but_a_plain_one_may_not(
    client, world, session
) -> None:
    admin = world.personas["administrator"]  # read, write and admin
    assert client.get("/admin/users", headers=admin.headers).status_code == 200
    plain = service.create_api_token(
        session, username=admin.username, name="rw", scopes=["read", "write"]
    )
    answer = client.get("/admin/users", headers=_bearer(plain))
    assert answer.status_code == 403 and "admin scope" in answer.json()["error"]


def test_the_same_changes_work_from_a_session_with_a_second_factor(app, world, session) -> None:
    browser = _admin_browser(app, session)
    page = browser.get("/admin/users")
    assert page.status_code == 200
    answer = browser.post(
        "/admin/users/analyst_xk/password",
        data={"password": NEW_PASSWORD, "csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert service.authenticate(session, username="analyst_xk", password=NEW_PASSWORD)


def test_admin_scope_is_only_for_administrators(session, world) -> None:
    with pytest.raises(ValidationFailed, match="admin is only for accounts whose role"):
        service.create_api_token(session, username="analyst_xk", name="x", scopes=["admin"])


# --- Scopes: a read token reads ---------------------------------------------------------------


@pytest.fixture
def probe(engine, session, tmp_path):
    """The real app plus a PUT and a DELETE route (the node has none yet) needing record.update."""
    app = create_app(Settings(var_dir=tmp_path, secret_key="k" * 48), engine=engine)
    router = APIRouter()

    @router.put("/api/probe/thing")
    def put(_=Depends(require("record.update"))) -> dict:
        return {"put": True}

    @router.delete("/api/probe/thing")
    def delete(_=Depends(require("record.update"))) -> dict:
        return {"deleted": True}

    app.include_router(router)
    bind_to_session(app, session)
    return TestClient(app, raise_server_exceptions=False)


def test_a_read_token_cannot_post_patch_put_or_delete(client, probe, world, session) -> None:
    read = service.create_api_token(session, username="analyst_xk", name="ro")
    assert session.scalar(select(ApiToken).where(ApiToken.name == "ro")).scopes == "read"
    headers = _bearer(read)
    person = world.ids["person"]
    assert client.get("/api/persons", params=WHY, headers=headers).status_code == 200
    created = client.post("/api/persons", json={"family_name": "Hoxha"}, headers=headers)
    changed = client.patch(f"/api/persons/{person}", json={"given_name": "X"}, headers=headers)
    for answer in (created, changed, probe.put("/api/probe/thing", headers=headers)):
        assert answer.status_code == 403
        assert "write scope" in answer.json()["error"]
    assert probe.delete("/api/probe/thing", headers=headers).status_code == 403
    assert [e.details["reason"] for e in _refusals(session, "analyst_xk")] == ["token_scope"] * 4
    writer = service.create_api_token(session, username="analyst_xk", name="rw", scopes=["write"])
    made = client.post("/api/persons", json={"family_name": "Hoxha"}, headers=_bearer(writer))
    assert made.status_code == 201
    assert probe.delete("/api/probe/thing", headers=_bearer(writer)).json() == {"deleted": True}


# --- Expiry and revocation: 401 saying why ----------------------------------------------------


def test_an_expired_token_is_refused_and_says_so(client, world, session) -> None:
    raw = service.create_api_token(session, username="analyst_xk", name="old", expires_days=30)
    row = session.scalar(select(ApiToken).where(ApiToken.name == "old"))
    assert row.expires_on == datetime.now(UTC).date() + timedelta(days=30)
    row.expires_on = datetime.now(UTC).date() - timedelta(days=1)
    session.flush()
    answer = client.get("/api/persons", params=WHY, headers=_bearer(raw))
    assert answer.status_code == 401
    assert "expired on" in answer.json()["error"] and "/account/tokens" in answer.json()["error"]
    (refusal,) = _refusals(session, "analyst_xk")
    assert refusal.details["reason"] == "token_expired" and refusal.details["status"] == 401


def test_a_revoked_token_is_refused_and_says_so(client, world, session) -> None:
    raw = service.create_api_token(session, username="analyst_xk", name="gone")
    row = session.scalar(select(ApiToken).where(ApiToken.name == "gone"))
    tokens.revoke_token(session, token_id=row.id, actor="root")
    answer = client.get("/api/persons", params=WHY, headers=_bearer(raw))
    assert answer.status_code == 401 and "was revoked" in answer.json()["error"]
    assert [e.details["reason"] for e in _refusals(session, "analyst_xk")] == ["token_revoked"]
    assert _admin_ops(session, "token.revoke")[-1].details["token_id"] == row.id


def test_an_unknown_token_is_401_and_not_logged(client, world, session) -> None:
    answer = client.get("/api/persons", headers=_bearer("abt_made-up"))
    assert answer.status_code == 401 and "not valid" in answer.json()["error"]
    assert _refusals(session) == []


def test_expiry_is_bounded_by_the_node_maximum(session, world) -> None:
    with pytest.raises(ValidationFailed, match="between 1 and 365"):
        service.create_api_token(session, username="analyst_xk", name="x", expires_days=366)
    with pytest.raises(ValidationFailed, match="between 1 and 365"):
        service.create_api_token(session, username="analyst_xk", name="x", expires_days=0)


@pytest.mark.parametrize("how", ["admin_reset", "own_change", "disable", "lock"])
def test_tokens_die_with_a_password_reset_change_disable_or_lock(
    client, world, session, how
) -> None:
    analyst = world.personas["analyst"]
    headers = analyst.headers
    assert client.get("/api/persons", params=WHY, headers=headers).status_code == 200
    if how == "admin_reset":
        service.reset_user(session, username=analyst.username, password=NEW_PASSWORD, actor="r")
    elif how == "own_change":
        service.change_password(
            session, username=analyst.username, current=PASSWORD, new=NEW_PASSWORD
        )
    elif how == "disable":
        service.set_disabled(session, username=analyst.username, disabled=True, actor="root")
    else:
        for _ in range(service.MAX_FAILURES):
            with pytest.raises(service.LoginFailed):
                service.authenticate(session, username=analyst.username, password="wrong guess")
    answer = client.get("/api/persons", params=WHY, headers=headers)
    assert answer.status_code == 401 and "was revoked" in answer.json()["error"]
    (entry,) = _admin_ops(session, "token.revoke_all")
    reason = {
        "admin_reset": "password_reset",
        "own_change": "password_change",
        "disable": "disabled",
        "lock": "locked",
    }[how]
    assert entry.details["reason"] == reason and entry.details["username"] == analyst.username


def test_unlocking_without_a_new_password_keeps_tokens(client, world, session) -> None:
    analyst = world.personas["analyst"]
    service.reset_user(session, username=analyst.username, actor="root")
    answer = client.get("/api/persons", params=WHY, headers=analyst.headers)
    assert answer.status_code == 200


# --- The token page ---------------------------------------------------------------------------


def test_a_user_creates_lists_and_revokes_own_tokens_on_the_page(app, world, session) -> None:
    browser = _sign_in(app, "analyst_xk")
    page = browser.get("/account/tokens")
    assert page.status_code == 200 and "tests" in page.text  # the persona's token is listed
    created = browser.post(
        "/account/tokens",
        data={
            "name": "nightly export",
            "scope": ["read"],
            "expires_days": "30",
            "csrf_token": _csrf(page),
        },
    )
    assert created.status_code == 201
    raw = re.search(r'id="new-token-value"[^>]*>(abt_[^<]+)<', created.text).group(1)
    assert browser.get("/account/tokens").text.count(raw) == 0  # shown once only
    row = session.scalar(select(ApiToken).where(ApiToken.name == "nightly export"))
    assert row.scopes == "read" and row.created_by == "analyst_xk"
    assert _admin_ops(session, "token.create")[-1].details["token_id"] == row.id
    api = TestClient(app)
    assert api.get("/api/persons", params=WHY, headers=_bearer(raw)).status_code == 200
    # Revoking needs the form's CSRF token.
    assert browser.post(f"/account/tokens/{row.id}/revoke").status_code == 403
    assert _refusals(session, "analyst_xk")[-1].details["reason"] == "csrf"
    revoked = browser.post(
        f"/account/tokens/{row.id}/revoke",
        data={"csrf_token": _csrf(created)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert api.get("/api/persons", params=WHY, headers=_bearer(raw)).status_code == 401
    assert f'id="token-{row.id}"' in browser.get("/account/tokens").text


def test_the_page_refuses_bad_input_and_another_users_token(app, world, session) -> None:
    browser = _sign_in(app, "analyst_xk")
    csrf = _csrf(browser.get("/account/tokens"))
    bad = browser.post(
        "/account/tokens",
        data={"name": "x", "scope": ["read"], "expires_days": "9999", "csrf_token": csrf},
    )
    assert bad.status_code == 422 and 'id="days-error"' in bad.text
    other = session.scalar(
        select(ApiToken)
        .join(User, User.id == ApiToken.user_id)
        .where(User.username == "auditor_xk")
    )
    answer = browser.post(f"/account/tokens/{other.id}/revoke", data={"csrf_token": csrf})
    assert answer.status_code == 404 and other.revoked_at is None


def test_tokens_cannot_manage_tokens(client, world, session) -> None:
    analyst = world.personas["analyst"]
    answer = client.post("/account/tokens", data={"name": "copy"}, headers=analyst.headers)
    assert answer.status_code == 403 and "signed-in session" in answer.json()["error"]
    assert client.get("/account/tokens", headers=analyst.headers).status_code == 403
    assert session.scalar(select(ApiToken).where(ApiToken.name == "copy")) is None


def test_an_owner_cannot_revoke_another_users_token(session, world) -> None:
    analyst = service.principal_of(service.get_user(session, "analyst_xk"), via="session")
    other = session.scalar(
        select(ApiToken)
        .join(User, User.id == ApiToken.user_id)
        .where(User.username == "auditor_xk")
    )
    with pytest.raises(NotFound, match=f"no API token {other.id}"):
        tokens.revoke_token(session, token_id=other.id, actor="analyst_xk", owner=analyst)
    assert other.revoked_at is None


# --- Refusals are logged ----------------------------------------------------------------------


def test_refusals_on_audit_serials_and_admin_are_logged_once(client, world, session) -> None:
    analyst, auditor = world.personas["analyst"], world.personas["auditor"]
    cases = [
        (analyst, "/api/audit"),
        (analyst, "/api/audit/verify"),
        (analyst, "/api/audit/export.csv"),
        (auditor, "/api/firearm-serials?pattern=123*"),
        (auditor, "/search?q=123456"),
        (analyst, "/admin/users"),
        (analyst, "/audit"),
    ]
    for who, url in cases:
        before = len(_refusals(session, who.username))
        assert client.get(url, headers=who.headers).status_code == 403, url
        new = _refusals(session, who.username)[before:]
        assert len(new) == 1, url
        assert new[0].details["reason"] == "role" and new[0].details["path"] == url.split("?")[0]


def test_an_anonymous_csrf_refusal_is_logged_without_the_address(app, session) -> None:
    browser = TestClient(app)
    browser.get("/login")
    answer = browser.post("/login", data={"username": "x", "password": "y"})
    assert answer.status_code == 403
    (entry,) = _refusals(session)
    assert entry.actor == "anonymous" and entry.details["reason"] == "csrf"
    assert len(entry.details["client"]) == 16 and "testclient" not in str(entry.details)
