"""Firearms API and identification page: anonymous, wrong role and jurisdiction, allowed, logged."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.audit.models import AuditEntry
from armsbridge.records.models import Firearm

FACTS = {"action": "semi_automatic", "ignition": "centre_fire", "barrel_length_cm": 11}


def _gun(session: Session, jurisdiction: str, serial: str) -> Firearm:
    gun = Firearm(jurisdiction=jurisdiction, serial_raw=serial, make="Zastava", model="M57")
    session.add(gun)
    session.flush()
    return gun


def test_categorize_endpoint(client: TestClient, token) -> None:  # noqa: ANN001
    url = "/api/firearm-categories"
    assert client.post(url, json=FACTS).status_code == 401
    assert client.post(url, json=FACTS, headers=token("programme_officer")).status_code == 403
    user = token("border_officer")
    one = client.post(url, json={**FACTS, "magazine_capacity": 21}, headers=user)
    assert one.status_code == 200 and one.json()["point"] == "A7(a)"
    many = client.post(url, json=[FACTS, {"action": "automatic"}], headers=user).json()
    assert [r["category"] for r in many] == ["undetermined", "A"]
    assert many[0]["missing"] == ["magazine_capacity"]
    bad = client.post(url, json={"colour": "black"}, headers=user)
    assert bad.status_code == 422 and "colour" in bad.json()["error"]


def test_categorize_endpoint_gives_provisional_answers_and_reference_facts(
    client: TestClient,
    token,  # noqa: ANN001
) -> None:
    url = "/api/firearm-categories"
    user = token("border_officer")
    pistol = {"kind": "pistol", "action": "semi_automatic", "ignition": "centre_fire"}
    out = client.post(url, json=pistol, headers=user).json()
    assert out["category"] == "undetermined" and out["provisional"] == "B5"
    assert out["alternatives"] == [{"point": "A7(a)", "if": "magazine_capacity > 20"}]
    m70 = client.post(url, json={"make": "Zastava", "model": "M70"}, headers=user).json()
    assert (m70["category"], m70["point"], m70["reference"]) == ("A", "A2", "Zastava M70")


def test_serial_search_sees_only_the_users_jurisdiction_and_is_logged(
    client: TestClient,
    token,
    session: Session,  # noqa: ANN001
) -> None:
    xk = _gun(session, "XK", "K7-24521")
    _gun(session, "MK", "К7Z4521")
    url = "/api/firearm-serials"
    params = {"pattern": "K7?4?21"}
    assert client.get(url, params=params).status_code == 401
    assert client.get(url, params=params, headers=token("auditor")).status_code == 403
    hits = client.get(url, params=params, headers=token("investigator", "XK"))
    assert hits.status_code == 200, hits.text
    assert [h["id"] for h in hits.json()] == [xk.id]
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "search").order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None and entry.actor == "investigator_xk"
    assert entry.details["serial_pattern"] == "K7?4?21" and entry.details["ids"] == [xk.id]
    mk_user = token("analyst", "MK")
    mk = client.get(url, params=params, headers=mk_user).json()
    assert [h["serial_raw"] for h in mk] == ["К7Z4521"]
    empty = client.get(url, params={"pattern": "??"}, headers=mk_user)
    assert empty.status_code == 422


def test_facts_on_a_record_need_update_rights_in_its_jurisdiction(
    client: TestClient,
    token,
    session: Session,  # noqa: ANN001
) -> None:
    gun = _gun(session, "XK", "AB1")
    url = f"/api/firearms/{gun.id}/facts"
    body = {**FACTS, "magazine_capacity": 30}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=token("border_officer")).status_code == 403
    assert client.post(url, json=body, headers=token("analyst", "MK")).status_code == 404
    done = client.post(url, json=body, headers=token("analyst", "XK"))
    assert done.status_code == 200 and done.json()["point"] == "A7(a)"
    stored = client.get(f"/api/firearms/{gun.id}/category", headers=token("investigator"))
    assert stored.json()["point"] == "A7(a)" and stored.json()["firearm_id"] == gun.id


def test_identification_page_asks_only_what_is_still_needed(
    client: TestClient,
    token,  # noqa: ANN001
) -> None:
    user = token("investigator")
    anonymous = client.get(
        "/firearms/identify", headers={"accept": "text/html"}, follow_redirects=False
    )
    assert anonymous.status_code in (302, 303, 401)
    assert client.get("/firearms/identify", headers=token("auditor")).status_code == 403
    first = client.get("/firearms/identify", headers=user)
    assert first.status_code == 200 and 'name="action"' in first.text
    step = client.get("/firearms/identify", params=FACTS, headers=user)
    assert 'id="q-magazine_capacity"' in step.text
    assert 'id="q-action"' not in step.text and 'id="q-barrel_length_cm"' not in step.text
    done = client.get(
        "/firearms/identify", params={**FACTS, "magazine_capacity": "21"}, headers=user
    )
    assert "A7(a)" in done.text and 'id="q-' not in done.text
    blank = client.get(
        "/firearms/identify",
        params={"make": "Ekol", "model": "Tuna", "markings": "barrel drilled"},
        headers=user,
    )
    assert "Blank-firing" in blank.text and "barrel drilled" in blank.text
    wrong = client.get("/firearms/identify", params={"action": "laser"}, headers=user)
    assert wrong.status_code == 200 and "not understood" in wrong.text


def test_the_stored_category_carries_its_provisional_answer(
    client: TestClient,
    token,
    session: Session,  # noqa: ANN001
) -> None:
    gun = Firearm(jurisdiction="XK", serial_raw="T1", make="Ekol", model="Tuna")
    session.add(gun)
    session.flush()
    out = client.get(f"/api/firearms/{gun.id}/category", headers=token("investigator")).json()
    assert out["category"] == "undetermined" and out["provisional"] == "not_a_firearm"
    assert out["reference"] == "Ekol Tuna"
    assert {a["point"] for a in out["alternatives"]} == {"B5", "A7(a)"}
    assert all(set(a) == {"point", "if"} for a in out["alternatives"])
