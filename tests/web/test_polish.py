"""Polish of the web layer: error pages in the signed-in layout, favicon, the "/" search key."""

from __future__ import annotations

from fastapi.testclient import TestClient

from armsbridge.auth import service as auth_service
from armsbridge.db.session import make_sessionmaker, session_scope

from .conftest import PASSWORD, csrf_of, sign_in
from .test_import_wizard import GOOD, HEADER


def test_an_unknown_address_keeps_the_signed_in_layout(node, analyst) -> None:
    answer = analyst.get("/no-such-page")
    assert answer.status_code == 404
    assert '<nav class="main"' in answer.text and "Sign out" in answer.text
    assert "There is no page at this address." in answer.text


def test_an_unknown_address_signed_out_shows_no_menu(node) -> None:
    with TestClient(node.app) as client:
        answer = client.get("/no-such-page")
        assert answer.status_code == 404
        assert '<nav class="main"' not in answer.text and "Sign out" not in answer.text


def test_a_refused_page_keeps_the_signed_in_layout(node) -> None:
    with TestClient(node.app) as client:
        sign_in(client, "border")
        answer = client.get("/audit")
        assert answer.status_code == 403
        assert '<nav class="main"' in answer.text and "Not allowed" in answer.text


def test_the_404_page_speaks_the_users_language(node) -> None:
    with TestClient(node.app) as client:
        client.cookies.set("armsbridge_lang", "sq")
        answer = client.get("/no-such-page")
        assert "There is no page at this address." not in answer.text


def test_favicon_is_linked_and_served(node, analyst) -> None:
    page = analyst.get("/").text
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    icon = analyst.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.text.startswith("<svg")


def test_slash_focuses_search_from_the_script_file(node, analyst) -> None:
    script = analyst.get("/static/js/armsbridge.js").text
    assert 'event.key !== "/"' in script and "main input[type=search]" in script
    assert "quick-q" in analyst.get("/").text  # the top bar's box the key falls back to


def _import(analyst, rows: str):  # noqa: ANN001, ANN202
    start = analyst.get("/imports")
    upload = analyst.post(
        "/imports",
        data={"profile": "xk-cases", "csrf_token": csrf_of(start.text)},
        files={"file": ("cases.csv", (HEADER + rows).encode("utf-8"), "text/csv")},
        follow_redirects=False,
    )
    preview = analyst.get(upload.headers["location"])
    return analyst.post(
        upload.headers["location"] + "/commit", data={"csrf_token": csrf_of(preview.text)}
    )


def test_import_result_counts_rows_and_links_to_what_was_imported(node, analyst) -> None:
    one = _import(analyst, GOOD)
    assert "1 row imported from cases.csv." in one.text
    assert '<a href="/records/cases">Cases</a>: 1' in one.text
    two = _import(analyst, GOOD.replace("101", "103") + GOOD.replace("101", "104"))
    assert "2 rows imported from cases.csv." in two.text


def test_audit_entries_link_to_the_users_and_records_trails(node) -> None:
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        auth_service.create_user(
            s, username="auditor", password=PASSWORD, role="auditor", jurisdiction="XK"
        )
    with TestClient(node.app) as client:
        sign_in(client, "auditor")
        page = client.get("/audit").text
        assert 'class="filters panel"' in page
        assert 'href="/audit?actor=seed"' in page
        person = node.ids["person"]
        assert f'href="/audit?record_type=person&amp;record_id={person}"' in page
        trail = client.get("/audit", params={"record_type": "person", "record_id": person})
        assert trail.status_code == 200 and f"Person {person}" in trail.text
