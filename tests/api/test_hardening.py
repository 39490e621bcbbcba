"""Ordinary bad input never makes the node fail: numbers too large, duplicate references.

Runs on SQLite and PostgreSQL (PostgreSQL refuses any id beyond 32 bits, SQLite beyond 64).
"""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from armsbridge.app import create_app
from armsbridge.auth.models import CaseMember
from armsbridge.records import service as records
from armsbridge.settings import Settings
from principals import as_actor

from .conftest import bind_to_session

BEYOND_64_BITS = "99999999999999999999999"
BEYOND_32_BITS = "2147483648"


@pytest.mark.parametrize(
    "number", [BEYOND_64_BITS, "9223372036854775808", BEYOND_32_BITS, "9" * 5000]
)
@pytest.mark.parametrize(
    "path",
    [
        "/records/persons/{n}?why=case+XK-2026-1",
        "/records/firearms/{n}",
        "/records/firearms/{n}/edit",
        "/attachments/{n}",
        "/api/firearms/{n}",
        "/api/persons/{n}?why=case+XK-2026-1",
        "/api/cases/{n}/history",
        "/api/firearms/{n}/category",
    ],
)
def test_an_id_too_large_for_the_store_is_not_found(client, world, path, number) -> None:
    answer = client.get(path.format(n=number), headers=world.personas["analyst"].headers)
    assert answer.status_code == 404, answer.text
    assert "reference" not in answer.json()


def test_an_edit_of_an_id_too_large_is_not_found(client, world) -> None:
    headers = world.personas["analyst"].headers
    answer = client.patch(
        f"/api/vehicles/{BEYOND_64_BITS}", json={"colour": "red"}, headers=headers
    )
    assert answer.status_code == 404
    page = client.post(f"/records/vehicles/{BEYOND_64_BITS}/edit", data={}, headers=headers)
    assert page.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/records/persons?why=case+XK-2026-1&page={n}",
        "/api/links?from_id={n}",
        "/api/persons?why=case+XK-2026-1&offset={n}",
    ],
)
@pytest.mark.parametrize("number", [BEYOND_64_BITS, "9" * 5000])
def test_a_query_number_too_large_is_a_clear_422(client, world, path, number) -> None:
    answer = client.get(path.format(n=number), headers=world.personas["analyst"].headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["problems"][0]["field"] in {"page", "from_id", "offset"}


def test_a_patch_that_takes_another_records_reference_is_a_conflict(client, world) -> None:
    headers = world.personas["analyst"].headers
    for ref in ("V-1", "V-2"):
        made = client.post(
            "/api/vehicles", json={"plate_raw": ref, "external_ref": ref}, headers=headers
        )
        assert made.status_code == 201, made.text
    again = client.post(
        "/api/vehicles", json={"plate_raw": "x", "external_ref": "V-1"}, headers=headers
    )
    assert again.status_code == 409
    second = made.json()["id"]
    answer = client.patch(f"/api/vehicles/{second}", json={"external_ref": "V-1"}, headers=headers)
    assert answer.status_code == 409, answer.text
    assert "V-1" in answer.json()["error"]
    same = client.patch(f"/api/vehicles/{second}", json={"external_ref": "V-2"}, headers=headers)
    assert same.status_code == 200


def test_a_fault_is_logged_without_the_values_of_the_request(
    client, world, session, monkeypatch, caplog
) -> None:
    name = "Qëndresa Hasani-Xhemajli"

    def failing(db, record_type, created, changed=None) -> None:  # noqa: ANN001
        # A statement that fails with the person's name as its parameter.
        db.execute(text("SELECT * FROM no_such_table WHERE name = :name"), {"name": name})

    monkeypatch.setattr(records, "after_write", failing)
    caplog.set_level(logging.DEBUG)
    answer = client.post(
        "/api/persons",
        json={"given_name": "Qëndresa", "family_name": "Hasani-Xhemajli", "father_name": name},
        headers=world.personas["analyst"].headers,
    )
    assert answer.status_code == 500
    reference = answer.json()["reference"]
    fault = [r for r in caplog.records if reference in r.getMessage()]
    assert fault, "the fault is logged with its reference"
    assert (
        "OperationalError" in fault[0].getMessage() or "ProgrammingError" in fault[0].getMessage()
    )
    assert "service.py" in fault[0].getMessage()  # where it happened
    assert name not in caplog.text and "Hasani" not in caplog.text
    assert all(r.exc_info is None for r in caplog.records)


@pytest.fixture
def secret_links(world, session) -> dict[str, int]:
    """A witness link to an H3 case, and a firearm linked (not by case_id) to a restricted case."""
    actor = as_actor("setup")
    ids = world.ids
    h3 = records.create_record(
        session,
        record_type="case",
        data={
            "jurisdiction": "XK",
            "reference": "XK-H3-SECRET",
            "kind": "trafficking",
            "handling_code": "H3",
        },
        user=actor,
    )
    witness = records.link_records(
        session,
        kind="involved_in",
        from_type="person",
        from_id=ids["person"],
        to_type="case",
        to_id=h3.id,
        role="witness",
        user=actor,
    )
    firearm = records.create_record(
        session,
        record_type="firearm",
        data={"jurisdiction": "XK", "make": "Glock", "model": "17", "serial_raw": "SECRET-7788"},
        user=actor,
    )
    seized = records.link_records(
        session,
        kind="part_of",
        from_type="firearm",
        from_id=firearm.id,
        to_type="case",
        to_id=ids["restricted_case"],
        user=actor,
    )
    session.add(CaseMember(case_id=h3.id, user_id=world.personas["member"].id, added_by="setup"))
    session.flush()
    return {"h3": h3.id, "witness": witness.id, "firearm": firearm.id, "seized": seized.id}


def test_a_non_member_sees_nothing_of_an_h3_or_restricted_case(client, world, secret_links):
    headers = world.personas["analyst"].headers
    person = world.ids["person"]
    links = client.get(f"/api/links?from_type=person&from_id={person}", headers=headers).json()
    assert secret_links["h3"] not in {item["to_id"] for item in links["items"]}
    assert client.get(f"/api/links/{secret_links['witness']}", headers=headers).status_code == 404
    page = client.get(f"/records/persons/{person}?why=case+XK-2026-1", headers=headers)
    assert page.status_code == 200
    assert "XK-H3-SECRET" not in page.text and "witness" not in page.text
    firearm = secret_links["firearm"]
    assert client.get(f"/records/firearms/{firearm}", headers=headers).status_code == 404
    assert client.get(f"/api/firearms/{firearm}", headers=headers).status_code == 404
    hits = client.get("/api/firearm-serials?pattern=SECRET7788", headers=headers).json()
    assert hits == []
    search = client.get("/search?q=SECRET-7788", headers=headers)
    assert "SECRET-7788" not in search.text.split('id="results"')[1]
    listed = client.get("/api/firearms?limit=200", headers=headers).json()["items"]
    assert firearm not in {item["id"] for item in listed}


def test_a_member_still_sees_the_case_its_links_and_items(client, world, secret_links):
    headers = world.personas["member"].headers
    person = world.ids["person"]
    links = client.get(f"/api/links?from_type=person&from_id={person}", headers=headers).json()
    assert secret_links["h3"] in {item["to_id"] for item in links["items"]}
    page = client.get(f"/records/persons/{person}?why=case+XK-2026-1", headers=headers)
    assert "XK-H3-SECRET" in page.text and "(Witness)" in page.text
    firearm = client.get(f"/records/firearms/{secret_links['firearm']}", headers=headers)
    assert firearm.status_code == 200 and "XK-2026-2" in firearm.text
    hits = client.get("/api/firearm-serials?pattern=SECRET7788", headers=headers).json()
    assert [hit["id"] for hit in hits] == [secret_links["firearm"]]


@pytest.fixture
def small_limits(web_app, engine, session, tmp_path):  # noqa: ANN201
    """The app with limits of 4 KiB for bodies and 16 KiB for uploads, on the test transaction."""
    settings = Settings(
        var_dir=tmp_path,
        secret_key="test-secret-" + "x" * 40,
        max_request_bytes=4096,
        max_upload_bytes=16384,
    )
    app = create_app(settings, engine=engine)
    bind_to_session(app, session)
    yield TestClient(app, raise_server_exceptions=False)
    app.dependency_overrides.clear()


def test_a_json_body_over_the_limit_is_refused_before_it_is_read(small_limits, world, session):
    headers = world.personas["analyst"].headers
    body = {"plate_raw": "01-234-AB", "notes": "x" * 5000}
    answer = small_limits.post("/api/vehicles", json=body, headers=headers)
    assert answer.status_code == 413
    assert "4096 bytes" in answer.json()["error"]
    assert "ARMSBRIDGE_MAX_REQUEST_BYTES" in answer.json()["error"]
    small = small_limits.post("/api/vehicles", json={"plate_raw": "01-234-AB"}, headers=headers)
    assert small.status_code == 201, small.text


def test_a_chunked_body_is_counted_as_it_arrives(small_limits, world) -> None:
    headers = {**world.personas["analyst"].headers, "content-type": "application/json"}

    def chunks():  # noqa: ANN202 - no Content-Length: the body is sent in chunks
        yield b'{"plate_raw": "01-234-AB", "notes": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    answer = small_limits.post("/api/vehicles", content=chunks(), headers=headers)
    assert answer.status_code == 413
    assert "4096 bytes" in answer.json()["error"]


def test_uploads_have_their_own_larger_limit(small_limits, world) -> None:
    headers = world.personas["investigator"].headers
    url = f"/records/firearms/{world.ids['firearm']}/attachments"
    fits = small_limits.post(
        url, files={"file": ("a.bin", b"x" * 8000)}, headers=headers, follow_redirects=False
    )
    assert fits.status_code == 303, fits.text  # over the body limit, within the upload limit
    over = small_limits.post(url, files={"file": ("b.bin", b"x" * 20000)}, headers=headers)
    assert over.status_code == 413
    assert "16384 bytes" in over.json()["error"]
