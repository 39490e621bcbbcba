"""The border check on a phone (360 px), between two node processes: here and the other service.

A Kosovo border officer checks a plate, a serial and a name on her node (the name typed in Latin
finds the record kept in Cyrillic) and, through hit/no-hit, on the North Macedonian node.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from armsbridge.auth import service as auth
from armsbridge.auth.principal import node_principal
from armsbridge.records.service import create_record
from exchange_nodes import Node, running

from .conftest import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("exchange-nodes")]
PASSWORD = "border check browser 2026"
WHY = "Border check, Hani i Elezit, lane 2"


def _record(node: Node, record_type: str, **data: str) -> int:
    with node.store() as session:
        who = node_principal(node.jurisdiction, purpose="test")
        return create_record(session, record_type=record_type, data=data, user=who).id


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    """Kosovo (a border officer, a plate, a serial, a person in Cyrillic) and North Macedonia."""
    xk, mk = Node(tmp_path, "XK"), Node(tmp_path, "MK")
    for node in (xk, mk):
        node.init()
    xk.add_peer(mk)
    mk.add_peer(xk)
    with xk.store() as session:
        auth.create_user(
            session,
            username="xk-border",
            password=PASSWORD,
            role="border_officer",
            jurisdiction="XK",
        )
    _record(xk, "vehicle", plate_raw="01-234-АВ", make="Golf")
    _record(xk, "firearm", make="Zoraki", model="914", serial_raw="ТК 7245-11")
    _record(
        xk,
        "person",
        given_name="Џафер",
        family_name="Бајрами",
        birth_date="1986-03-14",
        script="Cyrl",
    )
    _record(mk, "person", given_name="Џафер", family_name="Бајрами", birth_date="1986-03-14")
    _record(mk, "vehicle", plate_raw="SK 1234 AB", make="Passat")
    with running(xk, mk):
        yield xk, mk


@pytest.fixture
def phone(chromium, nodes) -> Iterator[object]:  # noqa: ANN001
    """The border officer signed in on the Kosovo node, on a 360 px wide phone screen."""
    xk, _ = nodes
    context = chromium.new_context(
        viewport={"width": 360, "height": 740}, locale="en-GB", has_touch=True, is_mobile=True
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{xk.url}/check")
    page.fill("#username", "xk-border")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/check**")
    yield page
    context.close()


def _check(page, value: str) -> dict[str, str]:  # noqa: ANN001
    page.fill("#check-q", value)
    page.fill("#check-why", WHY)
    page.click("button.check-go")
    page.wait_for_selector("#check-answer")
    here = page.get_attribute("[data-verdict]", "data-verdict")
    peer = page.locator("[data-peer]").first.inner_text().strip()
    return {"here": here, "peer": peer, "text": page.locator("#check-answer").inner_text()}


def _no_horizontal_scroll(page) -> None:  # noqa: ANN001
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide at 360 px"


def test_plate_serial_and_name_here_and_at_the_other_service(nodes, phone) -> None:  # noqa: ANN001
    _no_horizontal_scroll(phone)
    button = phone.locator("button.check-go").bounding_box()
    assert button["height"] >= 44 and button["width"] >= 250  # a thumb-sized target

    plate = _check(phone, "01-234-AB")
    assert plate["here"] == "known" and "01-234-АВ" in plate["text"]
    assert plate["peer"] == "MK: no hit"
    _no_horizontal_scroll(phone)

    serial = _check(phone, "TK724511")
    assert serial["here"] == "known" and "ТК 7245-11" in serial["text"]

    name = _check(phone, "Xhafer Bajrami 1986")
    assert name["here"] == "known" and "Бајрами" in name["text"]
    assert name["peer"] == "MK: hit"
    # a border officer may not request details (exchange.request): no link that would refuse
    assert phone.locator("#check-answer a", has_text="Request details").count() == 0
    _no_horizontal_scroll(phone)
    phone.screenshot(path=str(SHOTS / "border-check.png"), full_page=True)

    foreign_plate = _check(phone, "SK 1234 AB")
    assert foreign_plate["here"] == "unknown" and foreign_plate["peer"] == "MK: hit"

    unknown = _check(phone, "Nikola Nepoznati 1970")
    assert unknown["here"] == "unknown" and unknown["peer"] == "MK: no hit"
    assert "Not known here" in unknown["text"]
    _no_horizontal_scroll(phone)
