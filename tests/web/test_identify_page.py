"""The guided identification page as an officer uses it: what the reference fills in, what is
asked, and what it shows when the make is missing, unknown, written in Cyrillic or contradicted."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.records import service as records
from principals import as_actor


def _asked(html: str) -> list[str]:
    return re.findall(r'id="q-([a-z_]+)"', html)


def _result(html: str) -> str:
    match = re.search(r'<section class="panel" id="result".*?</section>', html, re.S)
    assert match, "page has no result panel"
    return match.group(0)


def test_an_unknown_model_fills_nothing_from_the_reference_and_asks_its_facts(
    analyst: TestClient,
) -> None:
    page = analyst.get("/firearms/identify", params={"make": "Beretta", "model": "92"})
    assert page.status_code == 200
    assert "from the reference:" not in page.text
    assert 'id="no-reference"' in page.text
    assert 'data-category="undetermined"' in _result(page.text)
    assert _asked(page.text) == ["action", "ignition", "barrel_length"]


def test_an_empty_make_is_no_make(analyst: TestClient) -> None:
    blank = analyst.get("/firearms/identify", params={"make": "  ", "model": "", "calibre": ""})
    assert blank.status_code == 200
    assert 'id="reference"' not in blank.text and "from the reference:" not in blank.text
    assert _asked(blank.text)  # the first questions, as on an empty form
    # A distinctive model is enough on its own: M-57 is the Zastava M57.
    model_only = analyst.get("/firearms/identify", params={"make": "", "model": "M-57"})
    assert "Zastava M57" in model_only.text
    assert "B · B5" in _result(model_only.text)


def test_a_make_and_model_in_cyrillic_find_the_reference_entry(analyst: TestClient) -> None:
    page = analyst.get("/firearms/identify", params={"make": "Застава", "model": "М70"}).text
    assert "Zastava M70: rifle, automatic, 7.62x39." in page  # the entry shown
    assert "A · A2" in _result(page)
    assert (
        "from the reference: SEESAC, weapons most often seized in the Western Balkans: "
        "action: automatic"
    ) in page
    assert "action" not in _asked(page)  # the reference says it: not asked again
    assert _asked(page) == []  # the answer depends on nothing more


def test_the_calibre_picks_the_entry_the_page_shows_and_decides_with(
    analyst: TestClient,
) -> None:
    page = analyst.get(
        "/firearms/identify", params={"make": "Zastava", "model": "M70", "calibre": "7.65 mm"}
    ).text
    assert "Zastava M70 pistol: pistol" in page  # not the M70 rifle
    assert "A2" not in _result(page)


def test_a_stated_fact_against_the_reference_is_shown_as_a_contradiction(
    analyst: TestClient,
) -> None:
    page = analyst.get(
        "/firearms/identify",
        params={"make": "Zastava", "model": "M70", "action": "semi_automatic"},
    ).text
    result = _result(page)
    assert "The answers contradict the reference table" in result
    assert (
        "the record states action: semi-automatic; the reference (Zastava M70) gives automatic"
        in result
    )
    assert "A2" not in result  # the stated action is used
    assert "magazine_capacity" in _asked(page)  # no published capacity in the reference


def test_a_record_that_contradicts_the_reference_shows_it_on_its_page(
    node,  # noqa: ANN001
    analyst: TestClient,
) -> None:
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        gun = records.create_record(
            s,
            record_type="firearm",
            data={
                "jurisdiction": "XK",
                "make": "Zastava",
                "model": "M70",
                "action": "semi_automatic",
                "serial_raw": "70-12345",
            },
            user=as_actor("seed"),
        )
        s.flush()
        gun_id = gun.id
    page = analyst.get(f"/records/firearms/{gun_id}").text
    panel = re.search(r'id="category".*?</section>', page, re.S).group(0)
    assert "The record contradicts the reference table" in panel
    assert (
        "the record states action: semi-automatic; the reference (Zastava M70) gives automatic"
        in panel
    )
    assert "Reference entry: Zastava M70" in page  # the reference panel beside it
