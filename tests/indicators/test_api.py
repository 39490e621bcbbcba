"""Indicators API, dashboard and downloads: anonymous, wrong role, allowed, and logged."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.audit.models import AuditEntry
from armsbridge.capacity import service as capacity
from principals import as_actor

PERIOD = {"from": "2022-01-01", "to": "2022-12-31"}


def _training(session: Session) -> None:
    for n, (jur, sex) in enumerate([("XK", "F"), ("XK", "M"), ("MK", "M")]):
        capacity.record_participation(
            session,
            user=as_actor("test"),
            jurisdiction=jur,
            training_code="T-1",
            session_code="S-1",
            participant_ref=f"P{n}",
            sex=sex,
            session_date="04.10.2022",
        )


def test_indicators_api(client: TestClient, token, session: Session) -> None:  # noqa: ANN001
    _training(session)
    assert client.get("/api/indicators", params=PERIOD).status_code == 401
    assert (
        client.get("/api/indicators", params=PERIOD, headers=token("investigator")).status_code
        == 403
    )
    answer = client.get("/api/indicators", params=PERIOD, headers=token("programme_officer"))
    assert answer.status_code == 200
    by_id = {i["id"]: i for i in answer.json()["indicators"]}
    assert by_id["trained_persons"]["value"] == 3
    assert by_id["trained_persons"]["breakdown"]["sex"] == {"F": 1, "M": 2}
    logged = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert [e.actor for e in logged] == ["programme_officer_xk"]


def test_either_jurisdiction_or_both_but_nothing_else(
    client: TestClient,
    token,  # noqa: ANN001
    session: Session,
) -> None:
    _training(session)
    officer = token("programme_officer")
    mk = client.get("/api/indicators", params={**PERIOD, "jurisdiction": "MK"}, headers=officer)
    assert {i["id"]: i for i in mk.json()["indicators"]}["trained_persons"]["value"] == 1
    bad = client.get("/api/indicators", params={**PERIOD, "jurisdiction": "AL"}, headers=officer)
    assert bad.status_code == 422
    upside = client.get(
        "/api/indicators", params={"from": "2023-01-01", "to": "2022-01-01"}, headers=officer
    )
    assert upside.status_code == 422 and "after" in upside.json()["error"]


def test_dashboard_and_downloads(client: TestClient, token, session: Session) -> None:  # noqa: ANN001
    _training(session)
    assert client.get("/indicators", follow_redirects=False).status_code in (303, 401)
    officer = token("programme_officer")
    page = client.get("/indicators", params=PERIOD, headers=officer)
    assert page.status_code == 200
    assert 'data-indicator="trained_persons">3<' in page.text and "bar-chart" in page.text
    xlsx = client.get("/indicators/report.xlsx", params=PERIOD, headers=officer)
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == "Summary"
    pdf = client.get("/indicators/report.pdf", params=PERIOD, headers=officer)
    assert "People trained" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    iafq = client.get("/indicators/iafq.xlsx", params=PERIOD, headers=officer)
    assert "4 Tracing" in load_workbook(io.BytesIO(iafq.content)).sheetnames
    assert (
        client.get(
            "/indicators/report.xlsx", params=PERIOD, headers=token("investigator")
        ).status_code
        == 403
    )
