"""The link chart routes: who may call them, what they answer, that reads are logged."""

from __future__ import annotations

from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.records import service as records
from principals import as_actor

WHY = {"why": "XK-CHART-7: the Ferizaj group"}


def _pair(session):
    make = records.create_record
    a = make(
        session,
        record_type="person",
        user=as_actor("t"),
        data={"jurisdiction": "XK", "given_name": "Qpage", "family_name": "Zchartone"},
    )
    b = make(
        session,
        record_type="phone",
        user=as_actor("t"),
        data={"jurisdiction": "XK", "number_raw": "+38344123456"},
    )
    records.link_records(
        session,
        kind="user_of",
        from_type="person",
        from_id=a.id,
        to_type="phone",
        to_id=b.id,
        user=as_actor("t"),
        valid_from="2026-04",
    )
    session.flush()
    return a.id, b.id


def test_chart_routes_answer_the_allowed_and_log(client, session, token) -> None:
    a, b = _pair(session)
    headers = token("analyst")
    page = client.get("/analysis/chart", headers=headers)
    assert page.status_code == 200 and 'id="c-q"' in page.text
    found = client.get(
        "/analysis/chart",
        params={"type": "person", "q": "Zchartone", **WHY},
        headers={**headers, "HX-Request": "true"},
    )
    assert f"start=person:{a}" in found.text and "<html" not in found.text
    frame = client.get("/analysis/chart", params={"start": f"person:{a}", **WHY}, headers=headers)
    assert 'id="chart-app"' in frame.text and "/static/js/chart.js" in frame.text
    data = client.get(
        "/analysis/chart/data", params={"expanded": f"person:{a}", **WHY}, headers=headers
    )
    assert data.status_code == 200
    ids = {n["id"] for n in data.json()["nodes"]}
    assert ids == {f"person:{a}", f"phone:{b}"}
    assert data.json()["edges"][0]["when"] == "2026-04"
    logged = session.scalars(select(AuditEntry).where(AuditEntry.action == "consult")).all()
    assert any(e.why == WHY["why"] and a in (e.details or {}).get("ids", []) for e in logged)
    path = client.get(
        "/analysis/chart/path",
        params={"a": f"person:{a}", "b": f"phone:{b}", **WHY},
        headers=headers,
    )
    assert path.json()["path"] == [f"person:{a}", f"phone:{b}"]
    export = client.get(
        "/analysis/chart/export/gexf", params={"expanded": f"person:{a}", **WHY}, headers=headers
    )
    assert export.status_code == 200 and export.headers["x-handling-code"] == "H0"
    assert b"Zchartone" in export.content


def test_chart_routes_refuse(client, session, token) -> None:
    a, _ = _pair(session)
    params = {"expanded": f"person:{a}", **WHY}
    anonymous = client.get("/analysis/chart/data", params=params, follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    admin = token("administrator")  # no record.read
    assert client.get("/analysis/chart/data", params=params, headers=admin).status_code == 403
    analyst = token("analyst")
    no_why = client.get("/analysis/chart/data", params={"expanded": f"person:{a}"}, headers=analyst)
    assert no_why.status_code == 422 and "justification" in no_why.text
    bad = client.get("/analysis/chart/data", params={"expanded": "x:1", **WHY}, headers=analyst)
    assert bad.status_code == 422 and "type:id" in bad.text
    assert (
        client.get("/analysis/chart/export/pdf", params=params, headers=analyst).status_code == 404
    )
    mk = token("analyst", "MK")  # XK's own records: not MK's to see
    other = client.get("/analysis/chart/data", params=params, headers=mk)
    assert other.status_code == 200 and other.json()["nodes"] == []
