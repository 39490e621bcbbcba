"""The map on a phone (390 px), offline: the shipped base layer renders and markers are shown.

Every request that does not go to the node is aborted and recorded, so a tile server or any
other outside resource would show up as a failure.
"""

from __future__ import annotations

from typing import Any

from .conftest import PASSWORD, shot


def _phone(browser: Any, node: dict[str, Any]) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", has_touch=True, is_mobile=True
    )
    context.set_default_timeout(15_000)
    outside: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(node["url"]):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    phone = context.new_page()
    phone.goto(f"{node['url']}/login")
    phone.get_by_label("User name").fill("mk-analyst")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(f"{node['url']}/")
    return context, phone, outside


def test_the_map_renders_offline_on_a_phone(browser, node) -> None:
    context, phone, outside = _phone(browser, node)
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        phone.get_by_role("link", name="Map").first.click()
        phone.wait_for_url(f"{node['url']}/analysis/map")
        phone.wait_for_selector("#map[data-ready='1']")
        assert int(phone.get_attribute("#map", "data-base-layer")) > 40  # boundary features
        markers = int(phone.get_attribute("#map", "data-markers"))
        assert markers > 10
        assert phone.locator("#map .leaflet-overlay-pane canvas").count() >= 1
        assert phone.locator("#map-count").inner_text().startswith(f"{markers} ")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the map page is {width} px wide at 390 px"
        phone.locator("#map").scroll_into_view_if_needed()
        shot(phone, "map-phone")
        phone.set_viewport_size({"width": 1280, "height": 860})
        phone.wait_for_timeout(300)
        phone.locator("#map").scroll_into_view_if_needed()
        shot(phone, "map")
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.goto(f"{node['url']}/analysis/trends")
        phone.wait_for_selector("#trend-chart[data-ready='1']")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.goto(f"{node['url']}/analysis/hotspots")
        phone.wait_for_selector("#map[data-ready='1']")
        assert int(phone.get_attribute("#map", "data-markers")) > 0  # hot cells drawn
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.locator("#pai-table").scroll_into_view_if_needed()
        shot(phone, "hotspots-phone")
    finally:
        context.close()
    assert not outside, f"requests left the node: {outside[:5]}"
    assert not errors, errors
