"""The indicators dashboard in a real browser: sign in, pick a period, read figures and charts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from armsbridge.app import create_app
from armsbridge.auth import service as auth
from armsbridge.capacity import service as capacity
from armsbridge.db.registry import load_all_models
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.settings import Settings

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"
CHROMIUM = Path("/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A node on a fresh SQLite store with a programme officer and a few trainings."""
    settings = Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'node.db'}",
        secret_key="browser-test-" + "k" * 40,
    )
    app = create_app(settings)
    load_all_models().metadata.create_all(app.state.engine)
    with session_scope(make_sessionmaker(app.state.engine)) as session:
        auth.create_user(
            session,
            username="officer",
            password=PASSWORD,
            role="programme_officer",
            jurisdiction="XK",
        )
        for n, (jur, sex, topic) in enumerate(
            [("XK", "F", "a"), ("XK", "M", "a"), ("MK", "M", "b"), ("MK", "F", "b")]
        ):
            capacity.record_participation(
                session,
                jurisdiction=jur,
                training_code=f"T-{topic}",
                topic=topic,
                session_code=f"S-{topic}",
                participant_ref=f"P{n}",
                sex=sex,
                session_date="04.10.2022",
            )
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=5)
    app.state.engine.dispose()


def test_dashboard_shows_figures_and_draws_charts(server: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("no system Chromium")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{server}/indicators")
        page.fill("#username", "officer")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/indicators**")
        page.fill("#from", "2022-01-01")
        page.fill("#to", "2022-12-31")
        page.click("form[aria-label=Period] button[type=submit]")
        page.wait_for_url("**from=2022-01-01**")
        assert page.inner_text("[data-indicator=trained_persons]") == "4"
        assert page.inner_text("[data-indicator=training_sessions]") == "2"
        page.wait_for_function(
            "() => window.Chart && document.querySelector('canvas.bar-chart')"
            " && Chart.getChart(document.querySelector('canvas.bar-chart'))"
        )
        drawn = page.evaluate(
            "() => Chart.getChart(document.querySelector('canvas.bar-chart')).data.datasets[0].data"
        )
        assert sorted(drawn) == [2, 2]  # people trained by sex: F 2, M 2
        page.select_option("#jurisdiction", "MK")
        page.click("form[aria-label=Period] button[type=submit]")
        page.wait_for_url("**jurisdiction=MK**")
        assert page.inner_text("[data-indicator=trained_persons]") == "2"
        browser.close()
