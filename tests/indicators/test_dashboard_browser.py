"""The indicators dashboard in a real browser: sign in, pick a period, read figures and charts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from armsbridge.auth import service as auth
from armsbridge.capacity import service as capacity
from armsbridge.db.session import make_sessionmaker, session_scope
from principals import as_actor

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(fresh_app, serve_app) -> Iterator[str]:  # noqa: ANN001
    """A node on a fresh SQLite store with a programme officer and a few trainings."""
    with session_scope(make_sessionmaker(fresh_app.state.engine)) as session:
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
                user=as_actor("test"),
                jurisdiction=jur,
                training_code=f"T-{topic}",
                topic=topic,
                session_code=f"S-{topic}",
                participant_ref=f"P{n}",
                sex=sex,
                session_date="04.10.2022",
            )
    yield serve_app(fresh_app)


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
