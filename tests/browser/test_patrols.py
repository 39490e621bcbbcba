"""Joint patrols on a phone (390 px): the overview, its results by place and one patrol with its
reports and report form fit the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker
from patrol_seed import seed_patrol

from .conftest import assert_fits_phone, shot, sign_in

pytestmark = pytest.mark.browser


def test_patrol_pages_fit_a_phone(phone, node) -> None:  # noqa: ANN001
    engine = engine_from_settings(node["settings"])
    try:
        op_id, patrol_id = seed_patrol(make_sessionmaker(engine))
    finally:
        engine.dispose()
    sign_in(phone, node, "xk-analyst")
    phone.goto(f"{node['url']}/patrols")
    results = phone.locator("#patrol-results tbody tr").first
    assert "Đeneral Janković" in results.inner_text() or "Hani" in results.inner_text()
    assert_fits_phone(phone)
    phone.goto(f"{node['url']}/patrols/{op_id}/{patrol_id}")
    expect(phone.locator("#report-XK")).to_be_visible()
    expect(phone.locator("#report-MK")).to_be_visible()
    expect(phone.locator("#report-form")).to_be_visible()
    assert_fits_phone(phone)
    shot(phone, "patrol")
