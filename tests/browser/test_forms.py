"""Forms that guide, in Chromium: input kept, focus on the first error, only the allowed steps."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


def _status_choices(page) -> list[str]:
    return page.locator("#st option").evaluate_all("els => els.map(e => e.value)")


def test_an_invalid_form_keeps_the_input_and_focuses_the_first_error(page, node) -> None:
    sign_in(page, node, "mk-analyst")
    page.goto(f"{node['url']}/records/cases/new")
    assert page.locator("#f-jurisdiction option").all_inner_texts() == ["North Macedonia"]
    page.locator("#f-kind").select_option("trafficking")
    page.locator("#f-title").fill("Пиштоли на Блаце")
    page.locator("#f-opened_on").fill("01.03.2091")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".error-summary")
    summary.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "f-reference"  # first field at fault
    assert page.locator("#f-title").input_value() == "Пиштоли на Блаце"
    assert page.locator("#f-opened_on").input_value() == "01.03.2091"
    assert f"no later than {date.today().isoformat()}" in page.locator("#e-opened_on").inner_text()
    shot(page, "form-errors")
    summary.get_by_role("link", name=re.compile("Opened on")).click()
    assert page.url.endswith("#f-opened_on")


def test_a_case_status_changes_through_the_allowed_steps_only(page, node) -> None:
    sign_in(page, node, "mk-analyst")
    page.goto(f"{node['url']}/records/cases/new")
    page.locator("#f-reference").fill("MK-BROWSER-STATUS-1")
    page.locator("#f-kind").select_option("trafficking")
    page.locator("#f-opened_on").fill("01.03.2026")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/records/cases/\d+$"))
    assert _status_choices(page) == [
        "under_investigation",
        "referred_to_prosecution",
        "indicted",
        "convicted",
        "acquitted",
        "dismissed",
    ]
    page.locator("#st").select_option("indicted")
    page.locator("#st-on").fill("05.03.2026")
    page.get_by_role("button", name="Record status change").click()
    page.wait_for_load_state("load")
    expect(page.locator(".timeline").get_by_text("Indicted")).to_be_visible()
    assert _status_choices(page) == ["convicted", "acquitted", "dismissed"]  # never back
    page.locator("#st").select_option("convicted")
    page.locator("#st-on").fill("06.03.2026")
    page.get_by_role("button", name="Record status change").click()
    page.wait_for_load_state("load")
    expect(page.locator("#st")).to_have_count(0)
    expect(page.get_by_text("its status cannot change")).to_be_visible()
