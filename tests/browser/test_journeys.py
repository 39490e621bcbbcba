"""What an officer does in the browser, end to end, on a real server and the system Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from armsbridge.imports.profile import load_profile

from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_and_dashboard(page, node) -> None:
    page.goto(f"{node['url']}/login")
    shot(page, "login")
    sign_in(page, node, "mk-analyst")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert page.locator(".stat .figure").count() >= 5
    page.wait_for_function("document.querySelector('canvas.bar-chart') !== null")
    shot(page, "dashboard")


def test_latin_query_finds_cyrillic_person_then_their_firearm(page, node) -> None:
    sign_in(page, node, "mk-analyst")
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Name, serial, plate or phone").fill("Xhafer Bajrami")
    page.get_by_label("Justification (needed to search persons)").fill("MK case 2026/14")
    page.get_by_role("button", name="Search", exact=True).last.click()
    person = page.get_by_role("link", name="Џафер Бајрами")
    person.wait_for(state="visible")  # results arrive by HTMX, without a page load
    shot(page, "search-latin-finds-cyrillic")
    person.click()
    page.wait_for_url(re.compile(rf"/records/persons/{node['ids']['person']}"))
    expect(page.get_by_role("heading", name=re.compile("Џафер Бајрами"))).to_be_visible()
    shot(page, "person")
    page.locator(".links-firearm a").first.click()
    page.wait_for_url(re.compile(rf"/records/firearms/{node['ids']['firearm']}"))
    expect(page.get_by_text("ТК 7245-11").first).to_be_visible()
    shot(page, "firearm")


# Language: (the search link, the dashboard heading, the words of "Language" and "Save").
LANGUAGE_WORDS = {
    "mk": ("Пребарување", "Контролна табла", "Јазик", "Зачувај"),
    "sq": ("Kërko", "Paneli", "Gjuha", "Ruaj"),
    "sr": ("Pretraga", "Kontrolna tabla", "Jezik", "Sačuvaj"),
}


@pytest.mark.parametrize("language", sorted(LANGUAGE_WORDS))
def test_switch_language_and_see_the_dashboard_in_it(page, node, language) -> None:
    search, heading, label, save = LANGUAGE_WORDS[language]
    sign_in(page, node, "mk-investigator")
    page.goto(f"{node['url']}/account")
    page.get_by_label("Language").select_option(language)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{node['url']}/account")
    assert page.locator("html").get_attribute("lang") == language
    expect(page.get_by_role("link", name=search)).to_be_visible()
    page.goto(f"{node['url']}/")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.wait_for_function("document.querySelector('canvas.bar-chart') !== null")
    shot(page, f"dashboard-{language}")
    page.goto(f"{node['url']}/account")
    page.get_by_label(label).select_option("en")
    page.get_by_role("button", name=save).click()


def test_import_shows_the_bad_rows_error_then_commits(page, node, tmp_path) -> None:
    columns = load_profile("mk-cases").columns()
    good = {
        "БР_ПРЕДМЕТ": "МВР-990001/26",
        "ВИД_ПРЕДМЕТ": "Недозволена трговија со оружје",
        "НАСЛОВ": "Пиштоли Zoraki во автобус",
        "СТАТУС": "Во истрага",
        "ДАТУМ_СТАТУС": "20.03.2026",
        "ДАТУМ_ОТВОРАЊЕ": "14.03.2026",
        "КОД_ПОСТАПУВАЊЕ": "H0",
    }
    bad = {**good, "БР_ПРЕДМЕТ": "МВР-990002/26", "ДАТУМ_ОТВОРАЊЕ": "31.02.2026"}
    lines = [",".join(columns)] + [",".join(row.get(c, "") for c in columns) for row in (good, bad)]
    csv_file = tmp_path / "cases.csv"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    sign_in(page, node, "mk-analyst")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("Mapping profile").select_option("mk-cases")
    page.get_by_label("File (CSV or XLSX)").set_input_files(str(csv_file))
    shot(page, "import-upload")
    page.get_by_role("button", name="Upload and check").click()
    errors = page.locator("table.row-errors tbody tr")
    expect(errors).to_have_count(1)
    assert errors.first.locator("td").first.inner_text() == "3"
    assert "31.02.2026" in errors.first.inner_text()
    shot(page, "import-preview")
    page.get_by_role("button", name="Commit the import").click()
    expect(page.get_by_role("heading", name="Import committed")).to_be_visible()
    shot(page, "import-done")


def test_programme_officer_cannot_open_a_person_page(page, node) -> None:
    sign_in(page, node, "mk-programme-officer")
    expect(page.get_by_role("link", name="Persons")).to_have_count(0)
    answer = page.goto(f"{node['url']}/records/persons/{node['ids']['person']}")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("Џафер")).to_have_count(0)
    shot(page, "programme-officer-refused")
