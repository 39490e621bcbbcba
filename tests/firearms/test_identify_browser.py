"""The guided identification page in a real browser: answer the questions, reach the category."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from armsbridge.auth import service as auth
from armsbridge.db.session import make_sessionmaker, session_scope

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"
SHOT = Path(__file__).resolve().parents[2] / "docs" / "user" / "img" / "weapon-identification.png"


@pytest.fixture
def server(fresh_app, serve_app) -> Iterator[str]:  # noqa: ANN001
    """A node on a fresh SQLite store with one investigator."""
    with session_scope(make_sessionmaker(fresh_app.state.engine)) as session:
        auth.create_user(
            session, username="officer", password=PASSWORD, role="investigator", jurisdiction="MK"
        )
    yield serve_app(fresh_app)


def test_answering_the_questions_reaches_the_category(server: str, signed_in) -> None:
    page = signed_in(f"{server}/firearms/identify", "officer", PASSWORD)
    page.select_option("#q-action", "semi_automatic")
    page.select_option("#q-ignition", "centre_fire")
    page.fill("#q-barrel_length", "11")
    page.click("#questions button[type=submit]")
    page.wait_for_url("**barrel_length=11**")
    assert page.locator("#q-action").count() == 0
    page.fill("#q-magazine_capacity", "21")
    page.click("#questions details summary")  # the optional identity fields are folded
    page.fill("#i-make", "Zastava")
    page.fill("#i-model", "M57")
    page.click("#questions button[type=submit]")
    page.wait_for_url("**magazine_capacity=21**")
    badge = page.locator("#result .badge")
    assert badge.get_attribute("data-category") == "A"
    assert "A7(a)" in badge.inner_text()
    assert page.locator("#questions select, #questions input[type=number]").count() == 0
    assert "Zastava M57" in page.inner_text("#reference")
    if SHOT.parent.is_dir():
        page.screenshot(path=str(SHOT), full_page=True)
    page.click("#answered a >> nth=0")  # change the first answer: it is asked again
    page.wait_for_selector("#q-action")
