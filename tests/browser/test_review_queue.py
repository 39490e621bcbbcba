"""An analyst walks the review queue, confirms a listing and finds its phone in the network.

The ad names a phone the demo store already knows (a person's phone, linked to them): confirming
it finds that phone again, links it to the listing, and the link chart from the phone shows the
listing and the person side by side. The queue and the review fit a 390 px phone.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from armsbridge.auth.models import User
from armsbridge.auth.principal import principal_of
from armsbridge.db import keys
from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.monitoring import files, service
from armsbridge.records.models import Link, Phone

from .conftest import assert_fits_phone, shot, sign_in

pytestmark = pytest.mark.browser
AD = "Shes pistoletë TT me 2 karikatorë, 350€. Thirr {phone} ose shkruaj @tt_shitesi_xk"


def _known_phone(s) -> tuple[Phone, int]:  # noqa: ANN001
    """An XK phone of the demo store linked to a person: (the phone, the person's id)."""
    stmt = (
        select(Phone, Link)
        .join(Link, (Link.to_type == "phone") & (Link.to_id == Phone.id))
        .where(Phone.jurisdiction == "XK", Link.from_type == "person", Phone.e164.is_not(None))
        .order_by(Phone.id)
        .limit(1)
    )
    phone, link = s.execute(stmt).one()
    return phone, link.from_id


@pytest.fixture(scope="module")
def listing(node: dict[str, Any]) -> dict[str, Any]:
    """Import a saved ad naming the known phone (national form) as the XK analyst, signed with
    the served node's key."""
    engine = engine_from_settings(node["settings"])
    keys.use_node(node["settings"])
    try:
        with session_scope(make_sessionmaker(engine)) as s:
            phone, person = _known_phone(s)
            national = phonenumbers.format_number(
                phonenumbers.parse(phone.e164), phonenumbers.PhoneNumberFormat.NATIONAL
            )
            text = AD.format(phone=national)
            data = (
                f"<html><head><title>Pistoletë TT</title></head><body><p>{text}</p></body></html>"
            )
            analyst = s.scalar(select(User).where(User.username == "xk-analyst"))
            row = service.store_file(
                s,
                settings=node["settings"],
                user=principal_of(analyst, via="cli"),
                name="ad-tt.html",
                data=data.encode(),
                found=files.read_file("ad-tt.html", data.encode()),
            )
            s.flush()
            return {"capture": row.id, "phone": phone.id, "e164": phone.e164, "person": person}
    finally:
        keys.use_node(None)
        engine.dispose()


def test_queue_and_review_fit_a_phone(
    phone: Any, node: dict[str, Any], listing: dict[str, Any]
) -> None:
    sign_in(phone, node, "xk-analyst")
    phone.goto(f"{node['url']}/captures/queue")
    assert_fits_phone(phone)
    expect(phone.locator(f'#queue li[data-capture="{listing["capture"]}"]')).to_have_count(1)
    phone.locator("#queue").scroll_into_view_if_needed()
    shot(phone, "review-queue-phone")
    phone.goto(f"{node['url']}/captures/{listing['capture']}/review")
    expect(phone.locator("#review-form")).to_be_visible()
    assert_fits_phone(phone)


def test_confirm_a_listing_and_find_its_phone_in_the_network(
    page: Any, node: dict[str, Any], listing: dict[str, Any]
) -> None:
    sign_in(page, node, "xk-analyst")
    page.get_by_role("link", name="Review queue").first.click()
    page.wait_for_url(re.compile(r"/captures/queue$"))
    item = page.locator(f'#queue li[data-capture="{listing["capture"]}"]')
    assert item.get_attribute("data-label") == "offer"
    assert "Words that drove the score" in item.inner_text()
    item.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/captures/{listing['capture']}/review$"))
    expect(page.locator("[data-verify=ok]")).to_be_visible()
    marked = page.locator("#capture-text mark.span-phones").inner_text()
    assert re.sub(r"\D", "", marked).endswith(listing["e164"][-6:])
    assert page.locator('#items li[data-field="phones"] input[type=checkbox]').is_checked()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "capture-review")
    # Enter in a field confirms the review (the form's default button), never the hit/no-hit
    # button of the first phone that comes before it on the page.
    page.locator("#add-calibres").fill("7.62x25")
    page.locator("#add-calibres").press("Enter")
    page.locator("#reviewed").wait_for()
    expect(page.locator("#review-error")).to_have_count(0)
    expect(page.locator("[data-hit]")).to_have_count(0)  # no question was asked
    phone_row = page.locator('#graph li[data-record="phone"]')
    assert "already known" in phone_row.inner_text()  # the demo store's phone, found again
    assert listing["e164"] in phone_row.inner_text()
    phone_row.get_by_role("link", name="Link chart from here").click()
    page.wait_for_url(re.compile(r"/analysis/chart\?start=phone"))
    page.wait_for_function(
        "id => window.armsbridgeChart && window.armsbridgeChart.getElementById(id).nonempty()",
        arg=f"phone:{listing['phone']}",
    )
    neighbours = page.evaluate(
        "id => window.armsbridgeChart.getElementById(id).neighborhood('node').map(n => n.id())",
        f"phone:{listing['phone']}",
    )
    assert f"person:{listing['person']}" in neighbours  # who the service knew had this phone
    assert any(n.startswith("intel_report:") for n in neighbours)  # the listing just confirmed
    page.goto(f"{node['url']}/captures/queue")
    expect(page.locator(f'#queue li[data-capture="{listing["capture"]}"]')).to_have_count(0)
