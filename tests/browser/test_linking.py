"""Linking in Chromium: a person found as you type, in the other script, linked to a case."""

from __future__ import annotations

import re

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser
WHY = "MK-BROWSER-LINK-1: who was there"


def test_a_person_is_linked_to_a_case_and_shown_on_both_pages(page, node) -> None:  # noqa: ANN001
    sign_in(page, node, "mk-analyst")
    page.goto(f"{node['url']}/records/cases/new")
    page.locator("#f-reference").fill("MK-BROWSER-LINK-1")
    page.locator("#f-kind").select_option("trafficking")
    page.locator("#f-opened_on").fill("01.03.2026")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/records/cases/\d+$"))
    case_url = page.url
    page.get_by_role("link", name="Add a link").click()
    page.locator("#l-type").select_option("person")
    page.locator("#l-why").fill(WHY)
    # Stored in Cyrillic (Џафер Бајрами), typed in Latin: found as the analyst types.
    page.locator("#l-q").fill("Xhafer Bajrami")
    choice = page.locator(f'input[name="to"][value="person:{node["ids"]["person"]}"]')
    choice.wait_for(state="attached")
    choice.check()
    page.locator("#l-kind").select_option("involved_in")
    page.locator("#l-role").select_option("suspect")
    page.get_by_role("button", name="Link", exact=True).click()
    page.wait_for_url(re.compile(r"/records/cases/\d+#links-h$"))
    page.goto(f"{case_url}?why={WHY}")
    links = page.locator(".links-person")
    assert "Џафер Бајрами" in links.inner_text()
    assert "Involved in (Suspect)" in links.inner_text()
    links.get_by_role("link", name="Џафер Бајрами").click()
    page.wait_for_url(re.compile(r"/records/persons/\d+"))
    assert "MK-BROWSER-LINK-1" in page.locator(".links-case").inner_text()
