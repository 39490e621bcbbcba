"""Capacity API and page: anonymous, wrong role, wrong jurisdiction, allowed, and audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.audit.models import AuditEntry
from armsbridge.capacity.models import Attendance

ROW = {
    "jurisdiction": "XK",
    "training_code": "T-CF-1",
    "training_title": "Converted firearms",
    "topic": "converted_firearms",
    "kind": "training",
    "session_code": "CF-01",
    "session_date": "2022-10-04",
    "participant_ref": "XK-0001",
    "sex": "F",
}


def test_recording_a_participation(client: TestClient, token, session: Session) -> None:  # noqa: ANN001
    url = "/api/capacity/participations"
    assert client.post(url, json=ROW).status_code == 401
    assert client.post(url, json=ROW, headers=token("programme_officer")).status_code == 403
    analyst = token("analyst")
    wrong = client.post(url, json={**ROW, "jurisdiction": "MK"}, headers=analyst)
    assert wrong.status_code == 403 and "you write records of XK" in wrong.json()["error"]
    answer = client.post(url, json=ROW, headers=analyst)
    assert answer.status_code == 201, answer.text
    attendance = session.get(Attendance, answer.json()["id"])
    assert attendance is not None and attendance.created_by == "analyst_xk"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.record_type == "attendance")).one()
    assert (entry.actor, entry.action, entry.record_id) == ("analyst_xk", "create", attendance.id)


def test_a_bad_value_names_the_field(client: TestClient, token) -> None:  # noqa: ANN001
    answer = client.post(
        "/api/capacity/participations", json={**ROW, "sex": "W"}, headers=token("analyst")
    )
    assert answer.status_code == 422 and "sex" in answer.json()["error"]


def test_summaries_need_aggregate_rights(client: TestClient, token) -> None:  # noqa: ANN001
    client.post("/api/capacity/participations", json=ROW, headers=token("analyst"))
    url = "/api/capacity/trainings"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=token("investigator")).status_code == 403
    answer = client.get(url, headers=token("programme_officer"))
    assert answer.status_code == 200
    assert answer.json()[0]["code"] == "T-CF-1" and answer.json()[0]["participants"] == 1


def test_campaigns_operations_products(client: TestClient, token) -> None:  # noqa: ANN001
    analyst = token("analyst", "MK")
    for url, body in [
        (
            "/api/capacity/campaign-channels",
            {
                "jurisdiction": "MK",
                "campaign_code": "MM-MK",
                "kind": "mass_media",
                "channel": "facebook",
                "views": 10,
                "impressions": 100,
            },
        ),
        (
            "/api/capacity/operations",
            {
                "jurisdiction": "MK",
                "code": "JIO-1",
                "title": "Joint operation",
                "agencies": ["MoI", "Kosovo Police"],
            },
        ),
        (
            "/api/capacity/products",
            {"jurisdiction": "MK", "code": "KP-1", "title": "Manual", "languages": ["mk", "sq"]},
        ),
    ]:
        assert client.post(url, json=body).status_code == 401
        assert client.post(url, json=body, headers=analyst).status_code == 201, url
    campaigns = client.get("/api/capacity/campaigns", headers=token("programme_officer")).json()
    assert campaigns[0]["views"] == 10


def test_capacity_page(client: TestClient, token) -> None:  # noqa: ANN001
    client.post("/api/capacity/participations", json=ROW, headers=token("analyst"))
    assert client.get("/capacity", follow_redirects=False).status_code in (303, 401)
    page = client.get("/capacity", headers=token("programme_officer"))
    assert page.status_code == 200 and "T-CF-1" in page.text
