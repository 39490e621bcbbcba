"""The pages work under the Content-Security-Policy, and the policy stops injected markup."""

from __future__ import annotations

import re

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser


def _watch(page) -> list[str]:
    """Collect policy violations, script errors and static files that failed to load."""
    problems: list[str] = []

    def on_console(msg) -> None:
        if "Content Security Policy" in msg.text:
            problems.append(msg.text)

    def on_response(response) -> None:
        if "/static/" in response.url and response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def test_pages_run_under_the_policy_without_a_violation(page, node) -> None:
    problems = _watch(page)
    sign_in(page, node, "mk-analyst")
    page.wait_for_function("document.querySelector('canvas.bar-chart') !== null")
    page.goto(f"{node['url']}/search")
    page.get_by_label("Name, serial, plate or phone").fill("Xhafer Bajrami")
    page.get_by_label("Justification (needed to search persons)").fill("MK case 2026/14")
    page.get_by_role("button", name="Search", exact=True).last.click()
    person = page.get_by_role("link", name="Џафер Бајрами")
    person.wait_for(state="visible")  # HTMX swapped the results in: its script ran
    person.click()
    page.wait_for_url(re.compile(r"/records/persons/"))
    page.goto(f"{node['url']}/records/firearms/{node['ids']['firearm']}")
    page.goto(f"{node['url']}/indicators")
    page.wait_for_load_state("load")
    page.goto(f"{node['url']}/matches?type=firearm")  # the review shortcuts' script
    page.keyboard.press("j")
    page.wait_for_load_state("load")
    assert problems == []


def test_injected_markup_does_not_run(page, node) -> None:
    sign_in(page, node, "mk-analyst")
    answer = page.goto(f"{node['url']}/search")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    page.evaluate(
        """() => {
        document.body.insertAdjacentHTML('beforeend',
            '<img src="/missing.png" onerror="window.injected = 1">');
        const s = document.createElement('script');
        s.textContent = 'window.injected = 2';
        document.body.appendChild(s);
    }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.injected") is None
