"""The border risk profile in the browser, on a phone (390 px): generated from the form over the
demo node's own passages, opened, and its patrol suggestion leads to the patrol page with the
place, the window and the basis filled in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_fits_phone, shot, sign_in

pytestmark = pytest.mark.browser


def test_a_risk_profile_is_generated_and_opened_on_a_phone(phone, node) -> None:  # noqa: ANN001
    sign_in(phone, node, "xk-analyst")
    phone.goto(f"{node['url']}/profiles")
    phone.locator("#rp-title").fill("Border risk 2022-2024")
    phone.locator("#rp-start").fill("2022-01-01")
    phone.locator("#rp-end").fill("2024-12-31")
    phone.locator("#rp-score-start").fill("2025-01-01")
    phone.locator("#rp-score-end").fill("2025-12-31")
    phone.locator("#risk-submit").click()
    phone.wait_for_url(re.compile(r".*/profiles/\d+$"))
    figures = phone.locator("#figures").inner_text()
    passages = int(re.search(r"Learnt on ([\d,]+) passages", figures).group(1).replace(",", ""))
    assert passages > 1000, figures  # the node's own side of the demo world's passages
    assert "Risk profile" in phone.locator("#profile-meta").inner_text()
    threat = phone.locator("#indicators-threat").inner_text()
    assert "Driver known to the police" in threat
    assert "Through" in phone.locator("#indicators-vulnerability").inner_text()
    expect(phone.locator("#later")).to_be_visible()
    expect(phone.locator("#crossing-table")).to_be_visible()
    assert_fits_phone(phone)
    phone.evaluate("document.getElementById('profile-marking').scrollIntoView()")
    shot(phone, "risk-profile")
    plan = phone.locator("#suggestion-table a").first
    if plan.count():
        plan.click()
        phone.wait_for_url(re.compile(r".*/patrols\?place="))
        # The plan form (shown when an operation is open) takes these from the address.
        assert "starts_at=" in phone.url and "basis=Risk+profile" in phone.url
