"""REST API of the records: reads under the permissions, justifications, writes with audit."""

from __future__ import annotations

from sqlalchemy import select

from armsbridge.audit.models import AuditEntry


def _audit(session, actor: str, action: str) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.actor == actor, AuditEntry.action == action)
    return list(session.scalars(stmt.order_by(AuditEntry.seq)))


def test_list_firearms_shows_only_what_the_analyst_may_see(client, world, session) -> None:
    analyst = world.personas["analyst"]
    answer = client.get("/api/firearms", headers=analyst.headers)
    assert answer.status_code == 200, answer.text
    ids = {item["id"] for item in answer.json()["items"]}
    assert world.ids["firearm"] in ids
    assert world.ids["firearm_h2"] not in ids  # H2 without membership or grant
    assert world.ids["firearm_restricted"] not in ids  # belongs to a restricted case
    assert world.ids["firearm_mk"] not in ids  # other jurisdiction
    (entry,) = _audit(session, "analyst_xk", "consult")
    assert entry.record_type == "firearm" and world.ids["firearm"] in entry.details["ids"]


def test_case_member_and_grant_open_restricted_records(client, world) -> None:
    member = world.personas["member"]
    ids = {i["id"] for i in client.get("/api/firearms", headers=member.headers).json()["items"]}
    assert {world.ids["firearm_h2"], world.ids["firearm_restricted"]} <= ids
    persons = client.get("/api/persons", params={"why": "case XK-2026-2"}, headers=member.headers)
    assert world.ids["person_h2"] in {i["id"] for i in persons.json()["items"]}


def test_person_reads_need_a_justification(client, world, session) -> None:
    analyst = world.personas["analyst"]
    assert client.get("/api/persons", headers=analyst.headers).status_code == 422
    pid = world.ids["person"]
    answer = client.get(f"/api/persons/{pid}", headers=analyst.headers)
    assert answer.status_code == 422 and "justification" in answer.json()["error"]
    answer = client.get(f"/api/persons/{pid}", params={"why": "case 1"}, headers=analyst.headers)
    assert answer.status_code == 200 and answer.json()["family_name"] == "Krasniqi"
    (entry,) = _audit(session, "analyst_xk", "consult")
    assert (entry.record_type, entry.record_id, entry.why) == ("person", pid, "case 1")


def test_list_filters_and_paging(client, world) -> None:
    analyst = world.personas["analyst"]
    answer = client.get(
        "/api/persons", params={"why": "x-check", "family_name": "kras"}, headers=analyst.headers
    )
    assert [i["id"] for i in answer.json()["items"]] == [world.ids["person"]]
    answer = client.get("/api/firearms", params={"limit": 1}, headers=analyst.headers).json()
    assert len(answer["items"]) == 1 and answer["total"] >= 1


def test_border_officer_does_not_see_victims(client, world) -> None:
    officer = world.personas["border_officer"]
    answer = client.get("/api/persons", params={"why": "border check"}, headers=officer.headers)
    ids = {i["id"] for i in answer.json()["items"]}
    assert world.ids["person"] in ids and world.ids["victim"] not in ids
    vid = world.ids["victim"]
    answer = client.get(f"/api/persons/{vid}", params={"why": "x" * 3}, headers=officer.headers)
    assert answer.status_code == 404
    reports = client.get(
        "/api/intel-reports", params={"why": "border check"}, headers=officer.headers
    )
    assert reports.json()["items"] == []


def test_create_and_update_are_audited_with_before_and_after(client, world, session) -> None:
    analyst = world.personas["analyst"]
    answer = client.post(
        "/api/firearms", json={"make": "Zoraki", "serial_raw": "z-123"}, headers=analyst.headers
    )
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["jurisdiction"] == "XK" and created["created_by"] == "analyst_xk"
    answer = client.patch(
        f"/api/firearms/{created['id']}", json={"model": "917"}, headers=analyst.headers
    )
    assert answer.status_code == 200 and answer.json()["model"] == "917"
    (change,) = _audit(session, "analyst_xk", "change")
    assert change.before == {"model": None} and change.after == {"model": "917"}


def test_writes_into_the_other_jurisdiction_are_refused(client, world) -> None:
    analyst = world.personas["analyst"]
    answer = client.post(
        "/api/firearms", json={"make": "X", "jurisdiction": "MK"}, headers=analyst.headers
    )
    assert answer.status_code == 403
    answer = client.patch(
        f"/api/firearms/{world.ids['firearm_mk']}", json={"model": "Y"}, headers=analyst.headers
    )
    assert answer.status_code == 404


def test_invalid_values_name_the_field(client, world) -> None:
    analyst = world.personas["analyst"]
    answer = client.post(
        "/api/cases", json={"reference": "R1", "kind": "nonsense"}, headers=analyst.headers
    )
    assert answer.status_code == 422
    assert "kind" in answer.json()["error"]


def test_case_history_and_status_change(client, world) -> None:
    analyst = world.personas["analyst"]
    cid = world.ids["case"]
    answer = client.post(
        f"/api/cases/{cid}/status",
        json={"status": "investigation", "changed_on": "2099-01-01"},
        headers=analyst.headers,
    )
    assert answer.status_code in (201, 409), answer.text
    history = client.get(f"/api/cases/{cid}/history", headers=analyst.headers)
    assert history.status_code == 200 and history.json()[0]["status"] == "reported"


def test_links_join_only_records_the_user_may_see(client, world, session) -> None:
    analyst = world.personas["analyst"]
    body = {
        "kind": "owner_of",
        "from_type": "person",
        "from_id": world.ids["person"],
        "to_type": "firearm",
        "to_id": world.ids["firearm"],
    }
    answer = client.post("/api/links", json=body, headers=analyst.headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["to_id"] == world.ids["firearm"]
    hidden = {**body, "to_id": world.ids["firearm_h2"]}
    assert client.post("/api/links", json=hidden, headers=analyst.headers).status_code == 404
    other = {**body, "to_id": world.ids["firearm_mk"]}
    assert client.post("/api/links", json=other, headers=analyst.headers).status_code == 404


def test_border_officers_create_items_but_not_cases(client, world) -> None:
    officer = world.personas["border_officer"]
    case = {"reference": "XK-9", "kind": "trafficking"}
    assert client.post("/api/cases", json=case, headers=officer.headers).status_code == 403
    firearm = {"make": "Zastava", "serial_raw": "B-77"}
    assert client.post("/api/firearms", json=firearm, headers=officer.headers).status_code == 201
    answer = client.patch(
        f"/api/firearms/{world.ids['firearm']}", json={"model": "x"}, headers=officer.headers
    )
    assert answer.status_code == 403


def test_a_link_cannot_be_moved_onto_a_hidden_record(client, world) -> None:
    analyst = world.personas["analyst"]
    link_id = world.ids["link_victim"]
    answer = client.patch(
        f"/api/links/{link_id}", json={"from_id": world.ids["person_mk"]}, headers=analyst.headers
    )
    assert answer.status_code == 404


def test_emptying_a_required_column_is_a_clear_422(client, world) -> None:
    analyst = world.personas["analyst"]
    answer = client.patch(
        f"/api/firearms/{world.ids['firearm']}",
        json={"handling_code": None},
        headers=analyst.headers,
    )
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["field"] == "handling_code"
    answer = client.patch(
        f"/api/online-accounts/{world.ids['online_account']}",
        json={"handling_code": " "},
        headers=analyst.headers,
    )
    assert answer.status_code == 422
