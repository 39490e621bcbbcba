"""Sign-in pages: the TOTP step for accounts with a second factor, failures, sign-out."""

from __future__ import annotations

import re

import pyotp
import pytest
from fastapi.testclient import TestClient

from armsbridge.auth import service as auth_service
from armsbridge.db.session import make_sessionmaker, session_scope

from .conftest import PASSWORD, csrf_of


def _admin(node) -> str:
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        made = auth_service.create_user(
            s, username="admin", password=PASSWORD, role="administrator", jurisdiction="XK"
        )
        return re.search(r"secret=([A-Z2-7]+)", made.provisioning_uri).group(1)


def test_administrator_signs_in_with_password_then_code(node) -> None:
    secret = _admin(node)
    with TestClient(node.app) as client:
        form = client.get("/login")
        step = client.post(
            "/login",
            data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        assert step.status_code == 200 and "6-digit code" in step.text
        assert PASSWORD not in step.text  # the first step travels encrypted, never in clear
        pending = re.search(r'name="pending" value="([^"]+)"', step.text).group(1)
        wrong = client.post(
            "/login",
            data={"pending": pending, "code": "000000", "csrf_token": csrf_of(step.text)},
        )
        assert wrong.status_code == 401
        done = client.post(
            "/login",
            data={
                "pending": pending,
                "code": pyotp.TOTP(secret).now(),
                "csrf_token": csrf_of(step.text),
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert client.get("/account").status_code == 200


def test_wrong_password_is_refused_without_saying_why(node) -> None:
    with TestClient(node.app) as client:
        form = client.get("/login")
        answer = client.post(
            "/login",
            data={"username": "analyst", "password": "nope", "csrf_token": csrf_of(form.text)},
        )
        assert answer.status_code == 401
        assert "wrong user name, password or code" in answer.text


def test_sign_out_ends_the_session(analyst) -> None:
    page = analyst.get("/account")
    analyst.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert analyst.get("/account", follow_redirects=False).status_code == 303


def test_login_page_in_the_browser_language(node) -> None:
    with TestClient(node.app) as client:
        page = client.get("/login", headers={"accept-language": "sq-AL,sq;q=0.9"})
        assert 'lang="sq"' in page.text and "Fjalëkalimi" in page.text


def test_after_sign_in_the_page_opens_with_its_whole_query_string(node) -> None:
    wanted = "/search?q=Bajrami&why=case-XK-2026-001&to=2"
    with TestClient(node.app) as client:
        first = client.get(wanted, follow_redirects=False)
        assert first.status_code == 303
        form = client.get(first.headers["location"])
        assert (
            'name="next" value="/search?q=Bajrami&amp;why=case-XK-2026-001&amp;to=2"' in form.text
        )
        answer = client.post(
            "/login",
            data={
                "username": "analyst",
                "password": PASSWORD,
                "next": wanted,
                "csrf_token": csrf_of(form.text),
            },
            follow_redirects=False,
        )
        assert answer.status_code == 303 and answer.headers["location"] == wanted


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "http://evil.example/",
        "https:evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_next_never_leads_to_another_site(node, target: str) -> None:
    with TestClient(node.app) as client:
        form = client.get("/login", params={"next": target})
        assert 'name="next" value="/"' in form.text
        answer = client.post(
            "/login",
            data={
                "username": "analyst",
                "password": PASSWORD,
                "next": target,
                "csrf_token": csrf_of(form.text),
            },
            follow_redirects=False,
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        signed_in = client.get("/login", params={"next": target}, follow_redirects=False)
        assert signed_in.headers["location"] == "/"
        chosen = client.post(
            "/language",
            data={
                "language": "sq",
                "next": target,
                "csrf_token": csrf_of(client.get("/account").text),
            },
            follow_redirects=False,
        )
        assert chosen.headers["location"] == "/"


def _pick_language_then_sign_in(client: TestClient, language: str, username: str) -> None:
    page = client.get("/login")
    client.post(
        "/language",
        data={"language": language, "next": "/login", "csrf_token": csrf_of(page.text)},
    )
    form = client.get("/login")
    assert f'<html lang="{language}">' in form.text
    client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
    )


def test_the_language_picked_at_sign_in_stays_on_every_page_and_the_next_sign_in(node) -> None:
    with TestClient(node.app) as client:
        _pick_language_then_sign_in(client, "mk", "analyst")
        for path in ("/", "/records/cases", f"/records/cases/{node.ids['case']}", "/account"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert '<html lang="mk">' in page.text, path
        assert "Пребарување" in client.get("/").text
        assert "Косово" in client.get("/account").text  # the jurisdiction, in Macedonian
    with TestClient(node.app) as other_browser:  # the account keeps it: no cookie needed
        form = other_browser.get("/login")
        other_browser.post(
            "/login",
            data={"username": "analyst", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        assert '<html lang="mk">' in other_browser.get("/").text


def test_signing_in_without_picking_keeps_the_accounts_language(node) -> None:
    with TestClient(node.app) as client:
        _pick_language_then_sign_in(client, "sr", "analyst")
        client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    with TestClient(node.app) as client:
        client.cookies.set("armsbridge_lang", "sq")  # a cookie left by another account
        form = client.get("/login")
        client.post(
            "/login",
            data={"username": "analyst", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        assert '<html lang="sr">' in client.get("/").text
