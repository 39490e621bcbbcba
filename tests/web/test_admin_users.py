"""User management pages: list, add (TOTP URI once), disable/enable, reset the password, unlock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.models import User
from armsbridge.db.session import make_sessionmaker, session_scope

from .conftest import PASSWORD, csrf_of, sign_in


def _user(node, username: str) -> User:
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        user = s.scalar(select(User).where(User.username == username))
        s.expunge(user)
        return user


def _admin_entries(node) -> list[dict]:
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "admin", AuditEntry.actor == "admin")
        )
        return [dict(r.details) for r in rows]


def test_list_shows_every_account_with_its_state(node, admin) -> None:
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        user = s.scalar(select(User).where(User.username == "border"))
        user.locked_until = datetime.now(UTC) + timedelta(minutes=10)
        s.scalar(select(User).where(User.username == "officer")).disabled = True
    page = admin.get("/admin/users")
    assert page.status_code == 200
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r'<tr id="user-([^"]+)">(.*?)</tr>', page.text, re.S)
    }
    assert set(rows) >= {"admin", "analyst", "officer", "mk_analyst", "border"}
    assert "North Macedonia" in rows["mk_analyst"]
    assert "Analyst (Firearms Focal Point)" in rows["mk_analyst"]
    assert ">on<" in rows["admin"] and ">off<" in rows["analyst"]
    assert "locked" in rows["border"] and "/unlock" in rows["border"]
    assert "disabled" in rows["officer"] and "/enable" in rows["officer"]
    assert "/disable" not in rows["admin"]  # no button to lock oneself out


def test_adding_an_administrator_shows_the_totp_uri_once(node, admin) -> None:
    page = admin.get("/admin/users")
    answer = admin.post(
        "/admin/users",
        data={
            "username": "root2",
            "display_name": "Second admin",
            "role": "administrator",
            "jurisdiction": "XK",
            "language": "sq",
            "password": "a long enough password",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert answer.status_code == 201
    uri = re.search(r'<code class="totp-uri">([^<]+)</code>', answer.text)
    assert uri and unescape(uri.group(1)).startswith("otpauth://totp/armsbridge:root2")
    stored = _user(node, "root2")
    assert stored.password_hash.startswith("$argon2id$") and stored.language == "sq"
    assert "totp-uri" not in admin.get("/admin/users").text  # never shown again
    assert {"op": "user.add", "username": "root2", "role": "administrator"} in _admin_entries(node)


def test_adding_refuses_a_short_password_and_a_taken_name(node, admin) -> None:
    token = csrf_of(admin.get("/admin/users").text)
    data = {"username": "neo", "role": "analyst", "jurisdiction": "XK", "csrf_token": token}
    short = admin.post("/admin/users", data={**data, "password": "short"})
    assert short.status_code == 422 and 'id="password-error"' in short.text
    assert 'value="neo"' in short.text  # the form keeps what was typed
    taken = admin.post("/admin/users", data={**data, "username": "analyst", "password": "x" * 20})
    assert taken.status_code == 409 and "already taken" in taken.text


def test_disable_enable_unlock_and_reset_password(node, admin) -> None:
    token = csrf_of(admin.get("/admin/users").text)
    assert admin.post("/admin/users/analyst/disable", data={"csrf_token": token}).status_code == 200
    assert _user(node, "analyst").disabled
    with TestClient(node.app) as other:
        page = other.get("/login")
        refused = other.post(
            "/login",
            data={"username": "analyst", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        )
        assert refused.status_code == 401
    admin.post("/admin/users/analyst/enable", data={"csrf_token": token})
    assert not _user(node, "analyst").disabled

    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        s.scalar(select(User).where(User.username == "border")).locked_until = datetime.now(
            UTC
        ) + timedelta(minutes=10)
    admin.post("/admin/users/border/unlock", data={"csrf_token": token})
    assert _user(node, "border").locked_until is None

    short = admin.post("/admin/users/border/password", data={"password": "x", "csrf_token": token})
    assert short.status_code == 422 and 'id="password-border-error"' in short.text
    new = "a brand new password"
    admin.post("/admin/users/border/password", data={"password": new, "csrf_token": token})
    with TestClient(node.app) as other:
        sign_in(other, "border", new)
    ops = [e["op"] for e in _admin_entries(node)]
    assert ops.count("user.disable") == 1 and ops.count("user.enable") == 1
    assert ops.count("user.reset") == 2  # unlock, then the password; the refused one left nothing


def test_forms_need_the_csrf_token_and_admin_cannot_disable_self(node, admin) -> None:
    assert admin.post("/admin/users/analyst/disable").status_code == 403
    assert not _user(node, "analyst").disabled
    token = csrf_of(admin.get("/admin/users").text)
    assert admin.post("/admin/users/admin/disable", data={"csrf_token": token}).status_code == 409
    assert not _user(node, "admin").disabled


def test_other_roles_may_not_manage_users(analyst) -> None:
    assert analyst.get("/admin/users").status_code == 403
    token = csrf_of(analyst.get("/search").text)
    answer = analyst.post("/admin/users/officer/disable", data={"csrf_token": token})
    assert answer.status_code == 403


def test_the_page_speaks_the_users_language(node, admin) -> None:
    admin.post(
        "/language", data={"language": "mk", "csrf_token": csrf_of(admin.get("/account").text)}
    )
    page = admin.get("/admin/users")
    assert "Додај корисник" in page.text and "Ресетирај ја лозинката" in page.text
