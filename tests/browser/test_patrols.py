"""Joint patrols on a phone (390 px): the overview, its results by place and one patrol with its
reports and report form fit the screen."""

from __future__ import annotations

import pytest

from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker
from patrol_seed import seed_patrol

from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


def _width(page) -> int:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth")


def test_patrol_pages_fit_a_phone(browser, node) -> None:  # noqa: ANN001
    engine = engine_from_settings(node["settings"])
    try:
        op_id, patrol_id = seed_patrol(make_sessionmaker(engine))
    finally:
        engine.dispose()
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", has_touch=True, is_mobile=True
    )
    page = context.new_page()
    try:
        sign_in(page, node, "xk-analyst")
        page.goto(f"{node['url']}/patrols")
        results = page.locator("#patrol-results tbody tr").first
        assert "Đeneral Janković" in results.inner_text() or "Hani" in results.inner_text()
        assert _width(page) <= 390, f"/patrols is {_width(page)} px wide at 390 px"
        page.goto(f"{node['url']}/patrols/{op_id}/{patrol_id}")
        assert page.locator("#report-XK").is_visible() and page.locator("#report-MK").is_visible()
        assert page.locator("#report-form").is_visible()
        assert _width(page) <= 390, f"the patrol page is {_width(page)} px wide at 390 px"
        shot(page, "patrol")
    finally:
        context.close()
