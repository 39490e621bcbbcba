"""Sign-in over HTTP: session cookie flags, CSRF on form posts, bearer tokens, sign-out."""

from __future__ import annotations

import re
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response
from fastapi.testclient import TestClient
from sqlalchemy import select

from armsbridge.app import create_app
from armsbridge.audit.models import AuditEntry
from armsbridge.auth import service
from armsbridge.auth.dependencies import DB, public, require
from armsbridge.settings import Settings

from .conftest import PASSWORD, bind_to_session, make_persona


@pytest.fixture
def probe_app(engine, session, tmp_path):
    """The real app plus a minimal sign-in route and a protected form, as the pages use them."""
    app = create_app(Settings(var_dir=tmp_path, secret_key="k" * 48), engine=engine)
    router = APIRouter()

    @router.get("/probe/form", dependencies=[Depends(public)])
    def form(request: Request) -> dict:
        return {"csrf": service.csrf_token(request)}

    @router.post("/probe/login", dependencies=[Depends(public)])
    def login(
        request: Request,
        db: DB,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        code: Annotated[str | None, Form()] = None,
    ) -> Response:
        user = service.authenticate(
            db, username=username, password=password, code=code, client=request.client.host
        )
        response = JSONResponse({"ok": True})
        service.create_session(db, user=user, request=request, response=response)
        return response

    @router.post("/probe/logout")
    def logout(request: Request, db: DB, _=Depends(require("account.self"))) -> Response:
        response = JSONResponse({"ok": True})
        service.end_session(db, request=request, response=response)
        return response

    @router.post("/probe/change")
    def change(_=Depends(require("record.update"))) -> dict:
        return {"changed": True}

    @router.get("/probe/me")
    def me(user=Depends(require("account.self"))) -> dict:
        return {"username": user.username, "via": user.via}

    app.include_router(router)
    bind_to_session(app, session)
    service.reset_rate_limits()
    return app


def _login(client: TestClient, username: str, password: str = PASSWORD):
    csrf = client.get("/probe/form").json()["csrf"]
    return client.post(
        "/probe/login", data={"username": username, "password": password, "csrf_token": csrf}
    )


def test_login_sets_a_strict_httponly_cookie(probe_app, session) -> None:
    make_persona(session, "ana", "analyst", "XK")
    client = TestClient(probe_app)
    answer = _login(client, "ana")
    assert answer.status_code == 200, answer.text
    cookie = answer.headers["set-cookie"]
    assert "armsbridge_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert client.get("/probe/me").json() == {"username": "ana", "via": "session"}


def test_login_form_without_csrf_is_refused(probe_app, session) -> None:
    make_persona(session, "ana", "analyst", "XK")
    client = TestClient(probe_app)
    client.get("/probe/form")
    answer = client.post("/probe/login", data={"username": "ana", "password": PASSWORD})
    assert answer.status_code == 403


def test_form_posts_need_the_session_csrf_token(probe_app, session) -> None:
    make_persona(session, "ana", "analyst", "XK")
    client = TestClient(probe_app)
    _login(client, "ana")
    assert client.post("/probe/change", data={}).status_code == 403
    assert client.post("/probe/change", data={"csrf_token": "forged"}).status_code == 403
    token = client.get("/probe/form").json()["csrf"]
    assert client.post("/probe/change", data={"csrf_token": token}).status_code == 200
    assert client.post("/probe/change", headers={"X-CSRF-Token": token}).status_code == 200


def test_the_pre_login_token_does_not_work_after_login(probe_app, session) -> None:
    make_persona(session, "ana", "analyst", "XK")
    client = TestClient(probe_app)
    before = client.get("/probe/form").json()["csrf"]
    _login(client, "ana")
    assert client.post("/probe/change", data={"csrf_token": before}).status_code == 403


def test_bearer_tokens_need_no_csrf_and_bad_tokens_are_refused(probe_app, session) -> None:
    persona = make_persona(session, "ana", "analyst", "XK")
    client = TestClient(probe_app)
    assert client.post("/probe/change", headers=persona.headers).status_code == 200
    bad = {"Authorization": "Bearer abt_not-a-token"}
    assert client.post("/probe/change", headers=bad).status_code == 401
    service.set_disabled(session, username="ana", disabled=True, actor="root")
    assert client.get("/probe/me", headers=persona.headers).status_code == 401


def test_wrong_password_over_http_is_401_and_logged(probe_app, session) -> None:
    make_persona(session, "ana", "analyst", "XK")
    client = TestClient(probe_app)
    answer = _login(client, "ana", "wrong wrong wrong")
    assert answer.status_code == 401
    assert "armsbridge_session" not in answer.headers.get("set-cookie", "")
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed"))
    assert [e.actor for e in entries] == ["ana"]
    assert service.get_user(session, "ana").failed_attempts == 1


def test_logout_ends_the_session(probe_app, session) -> None:
    make_persona(session, "ana", "analyst", "XK")
    client = TestClient(probe_app)
    _login(client, "ana")
    token = client.get("/probe/form").json()["csrf"]
    assert client.post("/probe/logout", headers={"X-CSRF-Token": token}).status_code == 200
    answer = client.get("/probe/me", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def _login_page_answer(client: TestClient, username: str, password: str):
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
    form = {"username": username, "password": password, "csrf_token": csrf, "next": "/"}
    return client.post("/login", data=form, follow_redirects=False)


def test_a_locked_account_answers_like_an_unknown_name(probe_app, session) -> None:
    make_persona(session, "ana", "analyst", "XK")
    client = TestClient(probe_app)
    for _ in range(service.MAX_FAILURES):
        assert _login_page_answer(client, "ana", "wrong wrong wrong").status_code == 401
    service.reset_rate_limits()
    # Same length of name, so the echoed name in the form is the only difference to mask.
    locked = _login_page_answer(client, "ana", PASSWORD)
    unknown = _login_page_answer(client, "bob", PASSWORD)
    assert locked.status_code == unknown.status_code == 401
    assert "armsbridge_session" not in locked.headers.get("set-cookie", "")
    assert locked.text.replace('value="ana"', "") == unknown.text.replace('value="bob"', "")
    assert "wrong user name, password or code" in locked.text and "locked" not in locked.text
    # The JSON answer of a script is the same for both too.
    answers = [
        client.post(
            "/probe/login",
            data={"username": name, "password": PASSWORD},
            headers={"Accept": "application/json", "X-CSRF-Token": _csrf_of(client)},
        )
        for name in ("ana", "bob")
    ]
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].json() == answers[1].json()
    # The lock is still logged for the supervisor, and shown to administrators.
    reasons = [
        e.details["reason"]
        for e in session.scalars(
            select(AuditEntry).where(AuditEntry.actor == "ana").order_by(AuditEntry.seq)
        )
        if e.action == "login_failed"
    ]
    assert reasons[-2:] == ["locked", "locked"]
    assert service.get_user(session, "ana").locked_until is not None


def _csrf_of(client: TestClient) -> str:
    return client.get("/probe/form").json()["csrf"]
