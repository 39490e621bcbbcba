"""Audit API: auditors filter and export the log; nobody else can; exports are logged."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from armsbridge.audit.models import AuditEntry


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
