"""Shared fixtures: every database test runs on SQLite and on PostgreSQL when one is reachable.

Each test session gets its own PostgreSQL database (created and dropped here), so parallel runs
never see each other's rows; each test runs in a transaction that is rolled back.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from armsbridge.db import keys
from armsbridge.db.engine import make_engine
from armsbridge.db.registry import install_listeners, load_all_models
from armsbridge.settings import Settings

# Shared test helpers (principals.py) import as top-level modules.
sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _pg_admin_url() -> str | None:
    url = os.environ.get("ARMSBRIDGE_TEST_DATABASE_URL", DEFAULT_PG)
    try:
        probe = create_engine(url, connect_args={"connect_timeout": 3})
        with probe.connect() as conn:
            conn.execute(text("select 1"))
        probe.dispose()
        return url
    except Exception:  # noqa: BLE001 - any failure means "no server here"
        if os.environ.get("CI") or os.environ.get("ARMSBRIDGE_TEST_DATABASE_URL"):
            raise
        return None


_PG_ADMIN = _pg_admin_url()
ENGINES = ["sqlite"] + (["postgresql"] if _PG_ADMIN else [])


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test session (dropped afterwards)."""
    if not _PG_ADMIN:
        pytest.skip("no PostgreSQL server reachable")
    name = f"armsbridge_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(_PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(_PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of an empty store: a SQLite file, then a PostgreSQL database when reachable."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a store whose tables were created from the models, listeners installed."""
    eng = make_engine(db_url)
    load_all_models().metadata.create_all(eng)
    install_listeners()  # the `session` fixture builds its Session itself, not by make_sessionmaker
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def node_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Each test's node keeps its key files and audit checkpoints in a folder of its own."""
    settings = Settings(var_dir=tmp_path_factory.mktemp("node"))
    keys.use_node(settings)
    yield settings
    keys.use_node(None)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    sess = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield sess
    finally:
        sess.close()
        if outer.is_active:
            outer.rollback()
        connection.close()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """The system Chromium under Playwright, one per test process (Playwright allows only one)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            raise RuntimeError(f"browser tests need {CHROMIUM}; .ci/run installs it")
        pytest.skip("no system Chromium")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def serve_app() -> Iterator[object]:
    """Return a function that serves a FastAPI app with uvicorn on a free port and gives its URL."""
    import threading
    import time

    import uvicorn

    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def serve(app: object) -> str:
        port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield serve
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=5)


@pytest.fixture
def fresh_app(tmp_path) -> Iterator[object]:  # noqa: ANN001
    """An application on a new, empty SQLite store of its own (for tests that serve it)."""
    from armsbridge.app import create_app
    from armsbridge.settings import Settings

    settings = Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'node.db'}",
        secret_key="browser-test-" + "k" * 40,
    )
    app = create_app(settings)
    load_all_models().metadata.create_all(app.state.engine)
    yield app
    app.state.engine.dispose()


@pytest.fixture
def signed_in(chromium) -> Iterator[object]:  # noqa: ANN001
    """Return a function that opens a URL in a new browser context and signs in on its form.

    The page is back on the URL once signed in; the contexts close after the test.
    """
    contexts = []

    def open_page(url: str, username: str, password: str) -> object:
        context = chromium.new_context()
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
        page.wait_for_url(f"**/{path}**")
        return page

    yield open_page
    for context in contexts:
        context.close()


# Web fixtures shared by the domain API tests: the app on the test store, a client whose
# requests run inside the test's rolled-back transaction, and users with API tokens.


@pytest.fixture(scope="session")
def web_app(engine, tmp_path_factory):  # noqa: ANN001
    """The application on the test store."""
    from armsbridge.app import create_app
    from armsbridge.settings import Settings

    var = tmp_path_factory.mktemp("var")
    return create_app(Settings(var_dir=var, secret_key="test-secret-" + "x" * 40), engine=engine)


@pytest.fixture
def client(web_app, session: Session, monkeypatch):  # noqa: ANN001
    """A client whose requests run inside the test's rolled-back transaction."""
    from argon2 import PasswordHasher
    from fastapi.testclient import TestClient

    from armsbridge.auth import service
    from armsbridge.auth.dependencies import get_db

    def test_db() -> Iterator[Session]:
        nested = session.begin_nested()
        try:
            yield session
            nested.commit()
        except BaseException:
            nested.rollback()
            raise

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    web_app.dependency_overrides[get_db] = test_db
    service.reset_rate_limits()
    yield TestClient(web_app, raise_server_exceptions=False)
    web_app.dependency_overrides.clear()


@pytest.fixture
def token(session: Session, client):  # noqa: ANN201
    """token(role, jurisdiction) -> Authorization headers of a new user of that role."""
    from armsbridge.auth import service

    def make(role: str, jurisdiction: str = "XK") -> dict[str, str]:
        name = f"{role}_{jurisdiction.lower()}"
        service.create_user(
            session,
            username=name,
            password="correct horse battery",
            role=role,
            jurisdiction=jurisdiction,
        )
        return {
            "Authorization": "Bearer "
            + service.create_api_token(session, username=name, name="t", scopes=["read", "write"])
        }

    return make
