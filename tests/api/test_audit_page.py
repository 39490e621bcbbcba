"""The auditor's page: filters, chain check, export link; other roles are refused."""

from __future__ import annotations

from .conftest import make_persona


def test_auditor_filters_the_log_on_the_page(client, world) -> None:
    analyst, auditor = world.personas["analyst"], world.personas["auditor"]
    pid = world.ids["person"]
    client.get(f"/api/persons/{pid}", params={"why": "case 7 check"}, headers=analyst.headers)
    page = client.get(
        "/audit", params={"actor": "analyst_xk", "action": "consult"}, headers=auditor.headers
    )
    assert page.status_code == 200
    assert "case 7 check" in page.text and f"Person {pid}" in page.text
    assert "/audit/export.csv?actor=analyst_xk&amp;action=consult" in page.text
    other = client.get("/audit", params={"actor": "nobody"}, headers=auditor.headers)
    assert "case 7 check" not in other.text


def test_the_page_checks_the_chain_on_request(client, world) -> None:
    page = client.get(
        "/audit", params={"verify": "true"}, headers=world.personas["auditor"].headers
    )
    assert 'id="chain-status"' in page.text and "intact" in page.text


def test_a_bad_date_names_the_field(client, world) -> None:
    page = client.get(
        "/audit", params={"since": "31.02.2026"}, headers=world.personas["auditor"].headers
    )
    assert page.status_code == 422 and "since" in page.text


def test_other_roles_cannot_open_the_log(client, world) -> None:
    for role in ("analyst", "administrator", "programme_officer"):
        page = client.get("/audit", headers=world.personas[role].headers)
        assert page.status_code == 403


def test_each_auditors_page_shows_only_their_services_searches(client, world, session) -> None:
    for persona, name in (("analyst", "Krasniqi"), ("analyst_mk", "Петровски")):
        who = world.personas[persona]
        client.get(
            "/search", params={"q": name, "why": f"{who.jurisdiction} ground"}, headers=who.headers
        )
    auditors = {
        "XK": world.personas["auditor"],
        "MK": make_persona(session, "auditor_mk", "auditor", "MK"),
    }
    for code, other in (("XK", "MK"), ("MK", "XK")):
        page = client.get("/audit", params={"action": "search"}, headers=auditors[code].headers)
        assert page.status_code == 200
        assert f"{code} ground" in page.text and f"{other} ground" not in page.text
        assert f"analyst_{other.lower()}" not in page.text
