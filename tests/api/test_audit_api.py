"""Audit API: auditors filter and export the log; nobody else can; exports are logged."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from armsbridge.audit.models import AuditEntry

from .conftest import make_persona


def test_auditor_filters_the_log_by_actor_and_action(client, world) -> None:
    analyst, auditor = world.personas["analyst"], world.personas["auditor"]
    pid = world.ids["person"]
    client.get(f"/api/persons/{pid}", params={"why": "case 7"}, headers=analyst.headers)
    answer = client.get(
        "/api/audit", params={"actor": "analyst_xk", "action": "consult"}, headers=auditor.headers
    )
    assert answer.status_code == 200
    (entry,) = answer.json()
    assert (entry["record_type"], entry["record_id"], entry["why"]) == ("person", pid, "case 7")


def test_export_is_csv_and_is_itself_logged(client, world, session) -> None:
    auditor = world.personas["auditor"]
    answer = client.get(
        "/api/audit/export.csv", params={"action": "create"}, headers=auditor.headers
    )
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows and {row["action"] for row in rows} == {"create"}
    logged = session.scalars(
        select(AuditEntry).where(AuditEntry.actor == "auditor_xk", AuditEntry.action == "export")
    ).all()
    assert len(logged) == 1 and logged[0].details["rows"] == len(rows)


def test_chain_verifies_through_the_api(client, world) -> None:
    answer = client.get("/api/audit/verify", headers=world.personas["auditor"].headers)
    assert answer.status_code == 200 and answer.json()["ok"] is True


def test_only_auditors_read_the_log(client, world) -> None:
    for role in ("analyst", "administrator", "programme_officer", "border_officer"):
        headers = world.personas[role].headers
        assert client.get("/api/audit", headers=headers).status_code == 403
        assert client.get("/api/audit/export.csv", headers=headers).status_code == 403
    assert client.get("/api/audit").status_code == 401


def _both_services_search(client, world, session):  # noqa: ANN001, ANN202
    """An analyst of each service runs a person search; returns the auditors of both."""
    for persona, name in (("analyst", "Krasniqi"), ("analyst_mk", "Петровски")):
        who = world.personas[persona]
        answer = client.get(
            "/search", params={"q": name, "why": f"{who.jurisdiction} secret"}, headers=who.headers
        )
        assert answer.status_code == 200
    logged = session.scalars(select(AuditEntry).where(AuditEntry.action == "search")).all()
    assert {(e.actor, e.actor_jurisdiction, e.why) for e in logged} == {
        ("analyst_xk", "XK", "XK secret"),
        ("analyst_mk", "MK", "MK secret"),
    }
    return {
        "XK": world.personas["auditor"],
        "MK": make_persona(session, "auditor_mk", "auditor", "MK"),
    }


def test_each_auditor_reads_only_their_services_entries(client, world, session) -> None:
    auditors = _both_services_search(client, world, session)
    for code, other in (("XK", "MK"), ("MK", "XK")):
        answer = client.get("/api/audit", params={"limit": 1000}, headers=auditors[code].headers)
        assert answer.status_code == 200
        entries = answer.json()
        whys = {e["why"] for e in entries}
        assert f"{code} secret" in whys and f"{other} secret" not in whys
        assert all(code in (e["actor_jurisdiction"], e["jurisdiction"]) for e in entries)
        searched = client.get(
            "/api/audit",
            params={"actor": f"analyst_{other.lower()}", "action": "search"},
            headers=auditors[code].headers,
        )
        assert searched.status_code == 200 and searched.json() == []


def test_each_auditors_export_holds_only_their_service(client, world, session) -> None:
    auditors = _both_services_search(client, world, session)
    for code, other in (("XK", "MK"), ("MK", "XK")):
        answer = client.get(
            "/api/audit/export.csv", params={"action": "search"}, headers=auditors[code].headers
        )
        assert answer.status_code == 200
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert [row["why"] for row in rows] == [f"{code} secret"]
        assert f"{other} secret" not in answer.text
        assert json.loads(rows[0]["details"])["results"] >= 1
