"""A real node (uvicorn in a child process) on a temporary SQLite demo store, and Chromium.

Browser tests are skipped only when /usr/bin/chromium is absent and CI is not set; in CI a
missing browser is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from armsbridge.records import service as records
from armsbridge.settings import Settings
from principals import as_actor

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "browser-test-password-2026"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "user" / "img"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed_known_records(settings: Settings) -> dict[str, int]:
    """Add an MK person written in Cyrillic who owns a firearm, for the search journey."""
    from armsbridge.db.engine import engine_from_settings
    from armsbridge.db.session import make_sessionmaker, session_scope

    engine = engine_from_settings(settings)
    try:
        with session_scope(make_sessionmaker(engine)) as s:
            person = records.create_record(
                s,
                record_type="person",
                user=as_actor("test"),
                data={
                    "jurisdiction": "MK",
                    "given_name": "Џафер",
                    "family_name": "Бајрами",
                    "father_name": "Рамадан",
                    "birth_date": "1986-03-14",
                    "script": "Cyrl",
                    "external_ref": "browser-person-1",
                },
            )
            firearm = records.create_record(
                s,
                record_type="firearm",
                user=as_actor("test"),
                data={
                    "jurisdiction": "MK",
                    "make": "Zoraki",
                    "model": "914",
                    "serial_raw": "ТК 7245-11",
                    "calibre": "9 mm P.A.K.",
                    "external_ref": "browser-firearm-1",
                },
            )
            records.link_records(
                s,
                kind="owner_of",
                from_type="person",
                from_id=person.id,
                to_type="firearm",
                to_id=firearm.id,
                user=as_actor("test"),
            )
            return {"person": person.id, "firearm": firearm.id}
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A demo store with demo users, served by `armsbridge serve` on a free port."""
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip("no /usr/bin/chromium (install it, or run in CI where it is required)")
    from armsbridge.synth.service import build_demo_store
    from armsbridge.web.demo import ensure_demo_users

    var_dir = tmp_path_factory.mktemp("node")
    settings = Settings(var_dir=var_dir)
    build_demo_store(settings, persons=200, seed=20260101, fresh=True)
    ensure_demo_users(settings, password=PASSWORD)
    ids = _seed_known_records(settings)
    port = _free_port()
    env = {**os.environ, "ARMSBRIDGE_VAR_DIR": str(var_dir)}
    env.pop("ARMSBRIDGE_DATABASE_URL", None)
    cli = [sys.executable, "-c", "from armsbridge.cli import main; main()"]
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("server did not start: " + proc.stderr.read().decode()[-2000:])
    yield {"url": url, "ids": ids, "settings": settings}
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser(chromium: Any, node: dict[str, Any]) -> Any:
    """The system Chromium, headless (shared with every browser test of this process)."""
    return chromium


@pytest.fixture
def page(browser: Any, node: dict[str, Any]) -> Iterator[Any]:
    """A fresh browser page (own cookies) at a laptop-sized viewport."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


PHONE_WIDTH = 390


@pytest.fixture
def phone(browser: Any, node: dict[str, Any]) -> Iterator[Any]:
    """A fresh browser page (own cookies) on a 390 x 844 touch phone."""
    context = browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 844},
        locale="en-GB",
        has_touch=True,
        is_mobile=True,
    )
    context.set_default_timeout(30_000)
    tab = context.new_page()
    yield tab
    context.close()


def page_width(page: Any) -> int:
    """How wide the page's content is, in CSS pixels (wider than the viewport means it scrolls)."""
    return page.evaluate("document.documentElement.scrollWidth")


def assert_fits_phone(page: Any) -> None:
    """Fail when the page scrolls sideways on the phone (its content wider than 390 px)."""
    width = page_width(page)
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide on a {PHONE_WIDTH} px phone"


def sign_in(page: Any, node: dict[str, Any], username: str) -> None:
    """Sign in through the form and wait for the dashboard."""
    page.goto(f"{node['url']}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{node['url']}/")


def shot(page: Any, name: str) -> None:
    """Save a screenshot for the user guide."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)
