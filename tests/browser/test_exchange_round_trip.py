"""The exchange in the browser, between two node processes: hit, request, partial answer, receipt.

A Kosovo analyst asks the North Macedonian node about a person (Latin on her side, Cyrillic on
the other), requests the details of the hit; a Macedonian analyst approves part of them under
H2 with grades; back on the Kosovo node the analyst sees the received record, its handling code
and the cross-border match suggestion with her own record of the man.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from armsbridge.auth import service as auth
from armsbridge.auth.principal import node_principal
from armsbridge.records.service import create_record
from exchange_nodes import Node, running

from .conftest import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("exchange-nodes")]
PASSWORD = "browser round trip 2026"
WHY = "case XK-2026-077: converted pistols at Hani i Elezit"


def _user(node: Node, name: str) -> None:
    with node.store() as session:
        jurisdiction = node.jurisdiction
        auth.create_user(
            session, username=name, password=PASSWORD, role="analyst", jurisdiction=jurisdiction
        )


def _person(node: Node, **data: str) -> int:
    with node.store() as session:
        who = node_principal(node.jurisdiction, purpose="test")
        return create_record(session, record_type="person", data=data, user=who).id


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    """Kosovo and North Macedonia nodes, serving, peered, each with one analyst and a person."""
    xk, mk = Node(tmp_path, "XK"), Node(tmp_path, "MK")
    for node in (xk, mk):
        node.init()
    xk.add_peer(mk)
    mk.add_peer(xk)
    _user(xk, "xk-analyst")
    _user(mk, "mk-analyst")
    _person(
        xk,
        given_name="Xhafer",
        family_name="Bajrami",
        father_name="Ramadan",
        birth_date="1986-03-14",
        birth_place="Tetovë",
    )
    _person(
        mk,
        given_name="Џафер",
        family_name="Бајрами",
        father_name="Рамадан",
        birth_date="1986-03-14",
        birth_place="Тетово",
        nationality="MK",
    )
    with running(xk, mk):
        yield xk, mk


def _reload_until(page, selector: str, timeout_s: float = 60) -> None:  # noqa: ANN001
    """Reload the page until `selector` is on it (the other node's worker delivers meanwhile)."""
    for _ in range(int(timeout_s / 0.5)):
        if page.locator(selector).count():
            return
        page.wait_for_timeout(500)
        page.reload()
    raise AssertionError(f"{selector} did not appear on {page.url}")


def test_hit_request_partial_answer_and_cross_border_match(nodes, signed_in) -> None:  # noqa: ANN001
    xk, mk = nodes
    # Kosovo: ask the other service about a man written in Latin; MK holds him in Cyrillic.
    ask = signed_in(f"{xk.url}/exchange/hit", "xk-analyst", PASSWORD)
    ask.select_option("#hit-peer", "MK")
    ask.select_option("#hit-type", "person")
    ask.fill("#hit-items", "Xhafer Bajrami 1986-03-14")
    ask.fill("#hit-why", WHY)
    ask.click("#hit-form button[type=submit]")
    hit_row = ask.locator("#hit-table tr.hit").first
    hit_row.wait_for()
    assert "Џафер" not in ask.content()  # a hit tells that MK knows him, never what it holds
    ask.screenshot(path=str(SHOTS / "exchange-hit.png"), full_page=True)
    hit_row.locator("a", has_text="Request details").click()
    ask.wait_for_selector("#request-form")
    assert ask.input_value("#ref").startswith("h")
    ask.fill("#justification", WHY)
    ask.select_option("#urgency", index=0)
    ask.click("#request-submit")
    ask.wait_for_url(re.compile(r".*/exchange/requests/[^/]+$"))
    request_url = ask.url

    # North Macedonia: the request is in the queue; send the person without birth place and
    # nationality, under H2 with grades B2.
    owner = signed_in(f"{mk.url}/exchange/queue", "mk-analyst", PASSWORD)
    _reload_until(owner, "#queue tr[data-ref]")
    owner.locator("#queue tr[data-ref] a").first.click()
    owner.wait_for_selector("#approve-form")
    person_box = owner.locator("fieldset.candidate").first
    kid = (person_box.get_attribute("id") or "").removeprefix("candidate-")
    owner.uncheck(f"#field-{kid}-birth_place")
    owner.uncheck(f"#field-{kid}-nationality")
    owner.select_option("#handling_code", "H2")
    owner.select_option("#source_grade", "B")
    owner.select_option("#information_grade", "2")
    owner.fill("#note", "birth place and nationality withheld")
    owner.screenshot(path=str(SHOTS / "exchange-approve.png"), full_page=True)
    owner.click("#approve-submit")
    owner.wait_for_selector("#answered-note")

    # Kosovo: the answer arrives signed; the record is marked H2, B2; the birth place stayed home.
    ask.goto(request_url)
    _reload_until(ask, "#received-records tr[data-type=person]")
    row = ask.locator("#received-records tr[data-type=person]").first
    assert "H2" in row.inner_text() and "B2" in row.inner_text()
    row.locator("a").first.click()
    ask.wait_for_load_state()
    if ask.locator("#why").count():  # a person's page asks why first
        ask.fill("#why", WHY)
        ask.locator(".why-form button[type=submit]").first.click()
        ask.wait_for_load_state()
    text = ask.content()
    assert "Бајрами" in text and "Тетово" not in text
    assert "not to be disseminated further" in text
    # ... and meets the analyst's own record of the man, suggested across the border.
    _reload_until(ask, "#matches .badge.cross-border", timeout_s=90)
    assert "Bajrami" in ask.locator("#matches").inner_text()
    ask.screenshot(path=str(SHOTS / "exchange-received.png"), full_page=True)
