"""The indicators dashboard in a real browser: sign in, pick a period, read figures and charts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from armsbridge.app import create_app
from armsbridge.auth import service as auth
from armsbridge.capacity import service as capacity
from armsbridge.db.registry import load_all_models
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.settings import Settings

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(tmp_path: Path, serve_app) -> Iterator[str]:
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
    yield serve_app(app)
    app.state.engine.dispose()


def test_dashboard_shows_figures_and_draws_charts(server: str, signed_in) -> None:
    page = signed_in(f"{server}/indicators", "officer", PASSWORD)
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
