"""Map, hot spots and trends: restrict() decides what they show; the GeoJSON export is marked."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.models import AccessGrant, User
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.records.models import Event
from foreign_records import add_foreign

from .conftest import add_record, sign_in


def _event(node, place_id: int, **data) -> int:
    """Add an event and put it at a place (the place is set as the import sets it)."""
    event_id = add_record(node, "event", **data)
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        s.get(Event, event_id).place_id = place_id
    return event_id


def _points(html: str) -> list[dict]:
    block = re.search(r'<div id="map-points" data-json="(.*?)" hidden>', html, re.S)
    assert block, "the map page carries no markers block"
    return json.loads(unescape(block.group(1)))


@pytest.fixture
def places(node) -> dict[str, int]:
    """Places and events of both services, with coordinates, dates and times."""
    ids = {
        "blace": add_record(
            node,
            "place",
            name="Hani i Elezit crossing",
            kind="border_crossing",
            latitude=42.15,
            longitude=21.30,
            crossing_code="HANI-ELEZIT-BLACE",
        ),
        "ferizaj": add_record(
            node,
            "place",
            name="Rruga e Dëshmorëve 12, Ferizaj",
            kind="address",
            latitude=42.37,
            longitude=21.155,
        ),
        "nowhere": add_record(node, "place", name="Unknown garage", kind="address"),
        "tetovo": add_record(
            node,
            "place",
            jurisdiction="MK",
            name="Тетово, ул. Илинденска 3",
            kind="address",
            latitude=42.01,
            longitude=20.971,
        ),
    }
    ids["seizure"] = _event(
        node,
        ids["blace"],
        kind="seizure",
        occurred_on="2025-05-02",
        occurred_time="10:30",
        handling_code="H1",
    )
    ids["shooting"] = _event(
        node, ids["ferizaj"], kind="shooting", occurred_on="2024-08-15", occurred_time="23:10"
    )
    ids["no_coords"] = _event(node, ids["nowhere"], kind="seizure", occurred_on="2025-01-10")
    ids["mk_seizure"] = _event(
        node, ids["tetovo"], jurisdiction="MK", kind="seizure", occurred_on="2025-03-03"
    )
    return ids


def test_the_map_shows_only_what_restrict_lets_the_user_read(node, analyst, places) -> None:
    page = analyst.get("/analysis/map")
    assert page.status_code == 200
    shown = {(p["layer"], p["label"]) for p in _points(page.text) if p["url"]}
    assert ("seizure", "Hani i Elezit crossing") in shown
    assert ("event", "Rruga e Dëshmorëve 12, Ferizaj") in shown
    assert ("crossing", "Hani i Elezit crossing") in shown  # the place record itself
    assert not any("Тетово" in label for _, label in shown)  # MK's records stay MK's
    assert "Unknown garage" not in page.text  # no coordinates, no marker
    seizure = next(
        p for p in _points(page.text) if p["url"] == f"/records/events/{places['seizure']}"
    )
    assert (seizure["lat"], seizure["lon"], seizure["code"]) == (42.15, 21.30, "H1")
    assert "Strictest handling code shown: H1" in page.text
    with TestClient(node.app) as mk:
        sign_in(mk, "mk_analyst")
        labels = {p["label"] for p in _points(mk.get("/analysis/map").text) if p["url"]}
    assert labels == {"Тетово, ул. Илинденска 3"}


def test_filters_narrow_the_map(analyst, places) -> None:
    def labels(**params) -> set[tuple[str, str]]:
        page = analyst.get("/analysis/map", params=params)
        assert page.status_code == 200, page.text
        return {(p["layer"], p["label"]) for p in _points(page.text) if p["url"]}

    only_2025 = labels(date_from="2025-01-01", date_to="2025-12-31", layer="seizure")
    assert only_2025 == {("seizure", "Hani i Elezit crossing")}
    assert labels(layer="event") == {("event", "Rruga e Dëshmorëve 12, Ferizaj")}
    assert labels(layer=["seizure", "event"], handling_code="H0") == {
        ("event", "Rruga e Dëshmorëve 12, Ferizaj")
    }
    assert labels(layer="seizure", jurisdiction="MK") == set()


def test_bad_filters_are_refused_naming_the_field(analyst, places) -> None:
    answer = analyst.get("/analysis/map", params={"date_from": "02.05.2025"})
    assert answer.status_code == 422
    assert "date_from" in answer.text and "02.05.2025" in answer.text
    assert "YYYY-MM-DD" in answer.text
    assert analyst.get("/analysis/map", params={"layer": "bunker"}).status_code == 422
    assert analyst.get("/analysis/map", params={"handling_code": "H9"}).status_code == 422
    late = analyst.get(
        "/analysis/trends", params={"date_from": "2025-02-01", "date_to": "2025-01-01"}
    )
    assert late.status_code == 422


def test_geojson_export_is_lon_lat_marked_and_logged(node, analyst, places) -> None:
    answer = analyst.get("/analysis/map.geojson", params={"layer": ["seizure", "event"]})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/geo+json")
    assert "H1" in answer.headers["content-disposition"]
    data = json.loads(answer.content)
    assert data["type"] == "FeatureCollection"
    assert data["marking"]["handling_code"] == "H1"
    by_id = {f["properties"]["record_id"]: f for f in data["features"]}
    assert set(by_id) == {places["seizure"], places["shooting"]}
    assert by_id[places["seizure"]]["geometry"] == {"type": "Point", "coordinates": [21.3, 42.15]}
    assert by_id[places["shooting"]]["properties"]["handling_code"] == "H0"
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        entry = s.query(AuditEntry).filter_by(action="export", record_type="event").all()[-1]
        assert entry.actor == "analyst"
        assert entry.details["format"] == "geojson" and entry.details["count"] == 2
        assert entry.details["handling_code"] == "H1"


def test_export_leaves_out_what_was_received_under_h2(node, analyst, places) -> None:
    factory = make_sessionmaker(node.app.state.engine)
    with session_scope(factory) as s:
        ids = {}
        for code in ("H1", "H2"):
            place = add_foreign(
                s,
                record_type="place",
                code=code,
                data={"name": f"Received place {code}", "latitude": 42.0, "longitude": 21.4},
            )
            ids[code] = add_foreign(
                s,
                record_type="event",
                code=code,
                data={"kind": "seizure", "occurred_on": "2025-06-01"},
            )
            s.get(Event, ids[code]).place_id = place
            for record_type, rid in (("place", place), ("event", ids[code])):
                user = s.query(User).filter_by(username="analyst").one()
                s.add(
                    AccessGrant(
                        record_type=record_type,
                        record_id=rid,
                        user_id=user.id,
                        granted_by="setup",
                        reason="map test",
                    )
                )
    page = analyst.get("/analysis/map", params={"layer": "seizure"})
    shown = {p["url"]: p["code"] for p in _points(page.text) if p["url"]}
    assert shown[f"/records/events/{ids['H2']}"] == "H2"  # read inside the node: shown, marked
    data = json.loads(analyst.get("/analysis/map.geojson", params={"layer": "seizure"}).content)
    exported = {f["properties"]["record_id"] for f in data["features"]}
    assert ids["H1"] in exported and ids["H2"] not in exported
    assert data["marking"]["withheld_h2"] == 1
    assert "Received place H2" not in json.dumps(data)


def test_roles_without_record_reads_are_refused(node, places) -> None:
    with TestClient(node.app) as officer:
        sign_in(officer, "officer")  # programme officer: aggregates only
        for path in (
            "/analysis/map",
            "/analysis/map.geojson",
            "/analysis/hotspots",
            "/analysis/trends",
            "/analysis/boundaries.geojson",
        ):
            assert officer.get(path).status_code == 403, path
    with TestClient(node.app) as anonymous:
        assert anonymous.get("/analysis/map", follow_redirects=False).status_code in (303, 401)


def test_trends_and_heat_matrix_count_the_readable_events(analyst, places) -> None:
    page = analyst.get("/analysis/trends", params={"layer": ["seizure", "event"]})
    assert page.status_code == 200
    assert "4 events" in page.text  # the seed seizure, two more and the shooting; not MK's
    matrix = re.search(r'<table class="heat" id="heat-matrix">(.*?)</table>', page.text, re.S)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", matrix.group(1), re.S)
    cells = {day: re.findall(r">(\d+)</td>", body) for day, body in rows}
    assert cells["Friday"][10] == "1"  # 2025-05-02 10:30
    assert cells["Thursday"][23] == "1"  # 2024-08-15 23:10
    assert "without them are not counted" in page.text  # 2025-01-10 has no time


def test_hotspots_page_reports_pai_for_the_three_methods(analyst, places) -> None:
    page = analyst.get(
        "/analysis/hotspots",
        params={
            "train_from": "2024-01-01",
            "train_to": "2024-12-31",
            "test_from": "2025-01-01",
            "test_to": "2025-12-31",
        },
    )
    assert page.status_code == 200
    for cell in ("pai-kde", "pai-count", "pai-random"):
        assert f'id="{cell}"' in page.text
    found = re.search(r'id="hot-cells" data-json="(.*?)" hidden>', page.text, re.S)
    cells = json.loads(unescape(found.group(1)))
    assert cells["features"] and cells["features"][0]["properties"]["cell"].startswith("1kmE")
