"""The border risk profile in the browser, on a phone (390 px): generated from the form over the
demo node's own passages, opened, and its patrol suggestion leads to the patrol page with the
place, the window and the basis filled in."""

from __future__ import annotations

import re

import pytest

from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


def _width(page) -> int:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_risk_profile_is_generated_and_opened_on_a_phone(browser, node) -> None:  # noqa: ANN001
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", has_touch=True, is_mobile=True
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        sign_in(page, node, "xk-analyst")
        page.goto(f"{node['url']}/profiles")
        page.locator("#rp-title").fill("Border risk 2022-2024")
        page.locator("#rp-start").fill("2022-01-01")
        page.locator("#rp-end").fill("2024-12-31")
        page.locator("#rp-score-start").fill("2025-01-01")
        page.locator("#rp-score-end").fill("2025-12-31")
        page.locator("#risk-submit").click()
        page.wait_for_url(re.compile(r".*/profiles/\d+$"))
        figures = page.locator("#figures").inner_text()
        passages = int(re.search(r"Learnt on ([\d,]+) passages", figures).group(1).replace(",", ""))
        assert passages > 1000, figures  # the node's own side of the demo world's passages
        assert "Risk profile" in page.locator("#profile-meta").inner_text()
        threat = page.locator("#indicators-threat").inner_text()
        assert "Driver known to the police" in threat
        assert "Through" in page.locator("#indicators-vulnerability").inner_text()
        assert page.locator("#later").is_visible() and page.locator("#crossing-table").is_visible()
        assert _width(page) <= 390, f"a risk profile is {_width(page)} px wide at 390 px"
        page.evaluate("document.getElementById('profile-marking').scrollIntoView()")
        shot(page, "risk-profile")
        plan = page.locator("#suggestion-table a").first
        if plan.count():
            plan.click()
            page.wait_for_url(re.compile(r".*/patrols\?place="))
            # The plan form (shown when an operation is open) takes these from the address.
            assert "starts_at=" in page.url and "basis=Risk+profile" in page.url
    finally:
        context.close()
