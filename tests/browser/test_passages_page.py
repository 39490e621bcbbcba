"""Border passages imported from the browser on a phone (390 px): a file checked (dry run) with
the passages per crossing shown, and a file with a bad row refused with the row, column, value
and what was expected, nothing stored either time."""

from __future__ import annotations

from pathlib import Path

import pytest

from armsbridge.border.passages import FILE_COLUMNS

from .conftest import shot, sign_in

pytestmark = pytest.mark.browser
HEADER = ",".join(FILE_COLUMNS)
GOOD = [
    "HANI-ELEZIT-BLACE,2019-03-04 23:10,entry,van,DE,1,18-25,1,1,9,1,1,XK",
    "JAZHINCE-JAZINCE,2019-03-06 04:30,,foot,,,,,0,,1,0,XK",
]
BAD = [*GOOD, "HANI-ELEZIT-BLACE,2019-03-07 10:00,entry,tractor,DE,1,18-25,1,1,9,0,1,XK"]


def _width(page) -> int:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_passages_file_is_checked_and_a_bad_one_refused_on_a_phone(
    browser, node, tmp_path: Path
) -> None:  # noqa: ANN001
    good, bad = tmp_path / "blace.csv", tmp_path / "blace-bad.csv"
    good.write_text("\n".join([HEADER, *GOOD]) + "\n", encoding="utf-8")
    bad.write_text("\n".join([HEADER, *BAD]) + "\n", encoding="utf-8")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", has_touch=True, is_mobile=True
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        sign_in(page, node, "xk-analyst")
        page.goto(f"{node['url']}/profiles")
        page.locator("#passages-link").click()
        page.wait_for_url("**/border/passages")
        assert page.locator("#passages-columns").is_visible()
        page.locator("#passages-file").set_input_files(str(good))
        page.locator("#passages-dry-run").check()
        page.locator("#passages-submit").click()
        report = page.locator("#passages-report")
        report.wait_for()
        assert "2 passages checked" in report.inner_text()
        assert "JAZHINCE-JAZINCE" in page.locator("#passages-by-crossing").inner_text()
        assert _width(page) <= 390, f"the passages page is {_width(page)} px wide at 390 px"
        page.evaluate("document.getElementById('passages-report').scrollIntoView()")
        shot(page, "border-passages")
        page.locator("#passages-file").set_input_files(str(bad))
        page.locator("#passages-submit").click()
        error = page.locator("#passages-error")
        error.wait_for()
        assert "nothing was imported" in error.inner_text()
        problems = page.locator("#problems").inner_text()
        assert "vehicle" in problems and "tractor" in problems
        assert _width(page) <= 390, f"the refused file's page is {_width(page)} px wide"
    finally:
        context.close()
