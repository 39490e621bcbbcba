"""The application shell: default deny at start-up, error answers, the request's transaction."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from armsbridge.app import check_route_permissions, create_app, load_secret_key
from armsbridge.auth.dependencies import DB, public, require
from armsbridge.errors import Fault, NotFound, ValidationFailed
from armsbridge.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'app.db'}")


def test_route_without_permission_refuses_to_start() -> None:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    router = APIRouter()

    @router.get("/open-by-mistake")
    def open_by_mistake() -> dict:
        return {}

    app.include_router(router)
    with pytest.raises(Fault, match="open-by-mistake"):
        check_route_permissions(app)


def test_routes_with_declared_permission_start() -> None:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    router = APIRouter()

    @router.get("/a", dependencies=[Depends(require("record.read"))])
    def a() -> dict:
        return {}

    @router.get("/b", dependencies=[Depends(public)])
    def b() -> dict:
        return {}

    app.include_router(router)
    check_route_permissions(app)


def test_unknown_action_is_refused_when_declared() -> None:
    with pytest.raises(ValueError, match="roles.yaml"):
        require("records.everything")


def test_every_route_of_the_real_app_declares_a_permission(settings: Settings) -> None:
    app = create_app(settings)
    check_route_permissions(app)  # create_app already did; this states the rule explicitly


def test_secret_key_is_generated_once_and_kept(settings: Settings) -> None:
    first = load_secret_key(settings)
    assert len(first) >= 40
    assert load_secret_key(settings) == first
    assert (settings.var_dir / "secret.key").stat().st_mode & 0o077 == 0


def _app_with_probe_routes(settings: Settings) -> FastAPI:
    app = create_app(settings)
    router = APIRouter()

    @router.get("/api/probe/missing", dependencies=[Depends(public)])
    def missing() -> dict:
        raise NotFound("no such firearm")

    @router.get("/api/probe/invalid", dependencies=[Depends(public)])
    def invalid() -> dict:
        raise ValidationFailed("bad", [{"field": "calibre", "value": "x", "expected": "a calibre"}])

    @router.get("/api/probe/crash", dependencies=[Depends(public)])
    def crash() -> dict:
        raise RuntimeError("secret internals")

    @router.get("/probe/crash", dependencies=[Depends(public)])
    def crash_page() -> dict:
        raise RuntimeError("secret internals")

    @router.get("/probe/missing", dependencies=[Depends(public)])
    def missing_page() -> dict:
        raise NotFound("no such firearm")

    @router.get("/api/probe/write", dependencies=[Depends(public)])
    def write(db: DB, fail: bool = False) -> dict:
        db.execute(text("INSERT INTO probe (v) VALUES ('x')"))
        if fail:
            raise NotFound("after the write")
        return {"ok": True}

    app.include_router(router)
    with app.state.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS probe (v TEXT)"))
    return app


def test_user_errors_answer_json_under_api_and_html_elsewhere(settings: Settings) -> None:
    client = TestClient(_app_with_probe_routes(settings))
    answer = client.get("/api/probe/missing")
    assert answer.status_code == 404
    assert answer.json() == {"error": "no such firearm"}
    answer = client.get("/api/probe/invalid")
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["field"] == "calibre"
    page = client.get("/probe/missing")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "no such firearm" in page.text


def test_faults_answer_500_with_a_reference_and_no_trace(settings: Settings, caplog) -> None:
    client = TestClient(_app_with_probe_routes(settings), raise_server_exceptions=False)
    answer = client.get("/api/probe/crash")
    assert answer.status_code == 500
    body = answer.json()
    assert "secret internals" not in answer.text and "Traceback" not in answer.text
    assert len(body["reference"]) == 8
    assert body["reference"] in caplog.text
    page = client.get("/probe/crash")
    assert page.status_code == 500
    assert "secret internals" not in page.text and "Reference" in page.text


def test_request_commits_on_success_and_rolls_back_on_error(settings: Settings) -> None:
    app = _app_with_probe_routes(settings)
    client = TestClient(app)
    assert client.get("/api/probe/write").status_code == 200
    assert client.get("/api/probe/write", params={"fail": True}).status_code == 404
    with app.state.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM probe")).scalar() == 1


def test_no_engine_at_import_time() -> None:
    import importlib

    import armsbridge.app as module

    importlib.reload(module)
    assert not hasattr(module, "app")


def test_answers_carry_security_headers_and_only_static_files_are_cached(settings) -> None:
    client = TestClient(_app_with_probe_routes(settings))
    for path in ("/api/probe/missing", "/probe/missing"):
        answer = client.get(path)
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["cache-control"] == "no-store"
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    static = client.get("/static/css/armsbridge.css")
    assert static.status_code == 200
    assert "cache-control" not in static.headers


def test_a_route_added_after_create_app_stops_the_server_from_starting(settings) -> None:
    app = create_app(settings)
    router = APIRouter()

    @router.get("/late-and-open")
    def late() -> dict:
        return {}

    app.include_router(router)
    with pytest.raises(Fault, match="late-and-open"), TestClient(app):
        pass
