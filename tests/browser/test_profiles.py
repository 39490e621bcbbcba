"""Profiles in the browser: a problem profile generated from the form, printed as PDF and read
back; a subject profile opened from a person's page; both fit a phone (390 px)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from armsbridge.db.engine import engine_from_settings
from armsbridge.records.models import Link

from .conftest import assert_fits_phone, shot, sign_in

pytestmark = pytest.mark.browser
WHY = "XK-BR-9: converted pistols review"


def test_a_problem_profile_is_generated_printed_and_read_back(page, node) -> None:  # noqa: ANN001
    sign_in(page, node, "xk-analyst")
    page.goto(f"{node['url']}/profiles")
    page.get_by_label("Title").first.fill("Seizures 2015-2026")
    page.locator("#pp-start").fill("2015-01-01")
    page.locator("#pp-end").fill("2026-11-30")
    page.locator("#pp-why").fill(WHY)
    page.locator("#problem-submit").click()
    page.wait_for_url(re.compile(r".*/profiles/\d+$"))
    figures = page.locator("#figures").inner_text()
    events = int(re.search(r"([\d,.]+) events", figures).group(1).replace(",", ""))
    assert events > 0, figures
    expect(page.locator("#profile-marking")).to_be_visible()
    page.locator("#ed-summary").fill("Seizures concentrate at two crossings.")
    page.locator("#ed-source").select_option("B")
    page.locator("#ed-info").select_option("2")
    page.locator("#edit-save").click()
    page.wait_for_url(re.compile(r".*/profiles/\d+$"))
    assert (
        "Seizures concentrate at two crossings."
        in page.locator("#sec-summary").locator("xpath=..").inner_text()
    )
    page.evaluate("document.getElementById('profile-marking').scrollIntoView()")
    shot(page, "problem-profile")
    with page.expect_download() as download:
        page.locator("#profile-pdf").click()
    data = Path(download.value.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Seizures 2015-2026" in text and "Seizures concentrate at two crossings." in text
    assert f"{events} events" in text.replace(",", "") and "grades B2" in text


def _xk_person(node) -> int:  # noqa: ANN001
    """An XK person of the demo store who is involved in a case."""
    engine = engine_from_settings(node["settings"])
    try:
        with engine.connect() as conn:
            return conn.scalar(
                select(Link.from_id)
                .where(
                    Link.kind == "involved_in",
                    Link.from_type == "person",
                    Link.jurisdiction == "XK",
                )
                .order_by(Link.id)
                .limit(1)
            )
    finally:
        engine.dispose()


def test_a_subject_profile_from_a_person_page_on_a_phone(phone, node) -> None:  # noqa: ANN001
    sign_in(phone, node, "xk-analyst")
    person = _xk_person(node)
    phone.goto(f"{node['url']}/records/persons/{person}?why={WHY}")
    phone.locator("#subject-profile").click()
    assert phone.locator("#sp-subject").input_value() == f"person:{person}"
    assert_fits_phone(phone)
    phone.locator("#sp-why").fill(WHY)
    phone.locator("#subject-submit").click()
    phone.wait_for_url(re.compile(r".*/profiles/\d+$"))
    expect(phone.locator("#identity")).to_be_visible()
    assert_fits_phone(phone)
    phone.evaluate("document.getElementById('profile-marking').scrollIntoView()")
    shot(phone, "subject-profile")
