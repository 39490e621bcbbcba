"""Border passages imported from the browser on a phone (390 px): a file checked (dry run) with
the passages per crossing shown, and a file with a bad row refused with the row, column, value
and what was expected, nothing stored either time."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from armsbridge.border.passages import FILE_COLUMNS

from .conftest import assert_fits_phone, shot, sign_in

pytestmark = pytest.mark.browser
HEADER = ",".join(FILE_COLUMNS)
GOOD = [
    "HANI-ELEZIT-BLACE,2019-03-04 23:10,entry,van,DE,1,18-25,1,1,9,1,1,XK",
    "JAZHINCE-JAZINCE,2019-03-06 04:30,,foot,,,,,0,,1,0,XK",
]
BAD = [*GOOD, "HANI-ELEZIT-BLACE,2019-03-07 10:00,entry,tractor,DE,1,18-25,1,1,9,0,1,XK"]


def test_a_passages_file_is_checked_and_a_bad_one_refused_on_a_phone(
    phone, node, tmp_path: Path
) -> None:  # noqa: ANN001
    good, bad = tmp_path / "blace.csv", tmp_path / "blace-bad.csv"
    good.write_text("\n".join([HEADER, *GOOD]) + "\n", encoding="utf-8")
    bad.write_text("\n".join([HEADER, *BAD]) + "\n", encoding="utf-8")
    sign_in(phone, node, "xk-analyst")
    phone.goto(f"{node['url']}/profiles")
    phone.locator("#passages-link").click()
    phone.wait_for_url("**/border/passages")
    expect(phone.locator("#passages-columns")).to_be_visible()
    phone.locator("#passages-file").set_input_files(str(good))
    phone.locator("#passages-dry-run").check()
    phone.locator("#passages-submit").click()
    report = phone.locator("#passages-report")
    report.wait_for()
    assert "2 passages checked" in report.inner_text()
    assert "JAZHINCE-JAZINCE" in phone.locator("#passages-by-crossing").inner_text()
    assert_fits_phone(phone)
    phone.evaluate("document.getElementById('passages-report').scrollIntoView()")
    shot(phone, "border-passages")
    phone.locator("#passages-file").set_input_files(str(bad))
    phone.locator("#passages-submit").click()
    error = phone.locator("#passages-error")
    error.wait_for()
    assert "nothing was imported" in error.inner_text()
    problems = phone.locator("#problems").inner_text()
    assert "vehicle" in problems and "tractor" in problems
    assert_fits_phone(phone)
