"""The map on a phone (390 px), offline: the shipped base layer renders and markers are shown.

Every request that does not go to the node is aborted and recorded, so a tile server or any
other outside resource would show up as a failure.
"""

from __future__ import annotations

from typing import Any

from .conftest import assert_fits_phone, shot, sign_in


def _offline(phone: Any, node: dict[str, Any]) -> list[str]:
    """Abort every request that leaves the node; return the list the aborted URLs go to."""
    outside: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(node["url"]):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    phone.context.route("**/*", guard)
    return outside


def test_the_map_renders_offline_on_a_phone(phone, node) -> None:
    outside = _offline(phone, node)
    sign_in(phone, node, "mk-analyst")
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    phone.get_by_role("link", name="Map").first.click()
    phone.wait_for_url(f"{node['url']}/analysis/map")
    phone.wait_for_selector("#map[data-ready='1']")
    assert int(phone.get_attribute("#map", "data-base-layer")) > 120  # both sides' municipalities
    markers = int(phone.get_attribute("#map", "data-markers"))
    assert markers > 10
    assert phone.locator("#map .leaflet-overlay-pane canvas").count() >= 1
    assert phone.locator("#map-count").inner_text().startswith(f"{markers} ")
    assert_fits_phone(phone)
    phone.locator("#map").scroll_into_view_if_needed()
    shot(phone, "map-phone")
    phone.set_viewport_size({"width": 1280, "height": 860})
    phone.wait_for_timeout(300)
    phone.locator("#map").scroll_into_view_if_needed()
    shot(phone, "map")
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{node['url']}/analysis/trends")
    phone.wait_for_selector("#trend-chart[data-ready='1']")
    assert_fits_phone(phone)
    phone.goto(f"{node['url']}/analysis/hotspots")
    phone.wait_for_selector("#map[data-ready='1']")
    assert int(phone.get_attribute("#map", "data-markers")) > 0  # hot cells drawn
    assert_fits_phone(phone)
    phone.locator("#pai-table").scroll_into_view_if_needed()
    shot(phone, "hotspots-phone")
    assert not outside, f"requests left the node: {outside[:5]}"
    assert not errors, errors
