"""The border check page: one value answered here (restrict(), logged) and by the other service."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.border import service
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.exchange import hits

from .conftest import csrf_of, sign_in


@pytest.fixture
def border(node):
    """A client signed in as the XK border officer."""
    with TestClient(node.app) as client:
        yield sign_in(client, "border")


def _check(client: TestClient, q: str, why: str = "Border check Hani i Elezit", **extra):
    form = client.get("/check")
    assert form.status_code == 200
    data = {"q": q, "why": why, "csrf_token": csrf_of(form.text), **extra}
    return client.post("/check", data=data)


def _verdict(html: str) -> str:
    return re.search(r'data-verdict="(\w+)"', html).group(1)


@pytest.mark.parametrize(
    ("query", "shown"),
    [("01-234-AB", "01-234-АВ"), ("TK 724511", "ТК 7245-11"), ("Xhafer Bajrami", "Бајрами")],
)
def test_known_plate_serial_and_name_cross_scripts(node, border, query, shown) -> None:
    answer = _check(border, query)
    assert answer.status_code == 200
    assert _verdict(answer.text) == "known"
    assert shown in answer.text


@pytest.mark.parametrize("query", ["99-999-ZZ", "QQ999999", "Nikola Nepoznati"])
def test_unknown_values_say_not_known(node, border, query) -> None:
    answer = _check(border, query)
    assert answer.status_code == 200
    assert _verdict(answer.text) == "unknown"
    assert "Not known here" in answer.text


def test_name_search_is_logged_with_the_reason(node, border) -> None:
    _check(border, "Xhafer Bajrami 1986", why="Crossing Blace, lane 2")
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "search").order_by(AuditEntry.seq.desc())
        ).first()
        assert entry.why == "Crossing Blace, lane 2"
        assert entry.details["ids"] == [node.ids["person"]]
        assert entry.details["query"] == "Xhafer Bajrami"  # the year goes to the peer only


def test_other_jurisdiction_is_not_shown(node, border) -> None:
    # The MK person "Xhafer Bajrami" is not the XK officer's to see: only the XK record shows.
    answer = _check(border, "Xhafer Bajrami")
    assert f"/records/persons/{node.ids['mk_person']}" not in answer.text
    assert f"/records/persons/{node.ids['person']}" in answer.text


def test_missing_value_and_reason_keep_the_input(node, border) -> None:
    answer = _check(border, "", why="")
    assert answer.status_code == 422
    assert "Type a plate, serial, document number or name." in answer.text
    answer = _check(border, "01-234-AB", why="x")
    assert answer.status_code == 422
    assert 'value="01-234-AB"' in answer.text and 'role="alert"' in answer.text


def test_role_without_search_is_refused(node) -> None:
    with TestClient(node.app) as client:
        sign_in(client, "officer")
        assert client.get("/check").status_code == 403


def test_anonymous_is_sent_to_sign_in(node) -> None:
    with TestClient(node.app) as client:
        answer = client.get("/check", follow_redirects=False)
        assert answer.status_code in (302, 303, 307) and "/login" in answer.headers["location"]


def test_without_a_peer_the_page_says_so(node, border) -> None:
    answer = _check(border, "01-234-AB")
    assert "No other service is set up to ask." in answer.text


def test_name_without_year_is_not_asked_of_the_peer(node, border) -> None:
    answer = _check(border, "Xhafer Bajrami")
    assert "Add the birth year or date after the name" in answer.text


class _Peer:
    name = "MK"


def test_peer_hit_and_no_hit_are_shown(node, border, monkeypatch) -> None:
    asked = []

    def fake_ask(session, *, settings, user, peer_name, entries, why):
        asked.append((peer_name, entries[0].kind, entries[0].value, why))
        hit = entries[0].value.startswith("SK")
        refs = [{"record_type": "vehicle", "ref": "hq3kabcdefgh", "match": "value"}] if hit else []
        result = hits.ValueResult(
            kind=entries[0].kind, value=entries[0].value, line=1, items=1, hit=hit, refs=refs
        )
        return hits.HitAnswer(
            peer=peer_name, query_id="q1", items=1, hits=int(hit), results=[result]
        )

    monkeypatch.setattr(service.hits, "ask_peer", fake_ask)
    monkeypatch.setattr(service, "active_peers", lambda session: [_Peer()])
    answer = _check(border, "SK 1234 AB")
    assert "MK: hit" in answer.text and "hq3kabcd" in answer.text
    assert "ref=hq3kabcdefgh" not in answer.text  # no exchange.request: no link to request
    answer = _check(border, "A1234567", kind="document")
    assert "MK: no hit" in answer.text
    assert asked == [
        ("MK", "plate", "SK 1234 AB", "Border check Hani i Elezit"),
        ("MK", "document", "A1234567", "Border check Hani i Elezit"),
    ]


def test_peer_unavailable_is_a_message_not_an_error(node, border, monkeypatch) -> None:
    from armsbridge.exchange.online import PeerUnavailable

    def down(session, **kwargs):
        raise PeerUnavailable("connection refused")

    monkeypatch.setattr(service.hits, "ask_peer", down)
    monkeypatch.setattr(service, "active_peers", lambda session: [_Peer()])
    answer = _check(border, "01-234-AB")
    assert answer.status_code == 200
    assert "The other service did not answer; try again later." in answer.text
    assert _verdict(answer.text) == "known"


def test_split_name_date() -> None:
    assert service.split_name_date("Xhafer  Bajrami 1986") == ("Xhafer Bajrami", "1986")
    assert service.split_name_date("Xhafer Bajrami 14.03.1986") == ("Xhafer Bajrami", "14.03.1986")
    assert service.split_name_date("01-234-AB") == ("01-234-AB", None)


def test_an_analyst_gets_the_request_details_link(node, analyst, monkeypatch) -> None:
    def fake_ask(session, *, settings, user, peer_name, entries, why):
        refs = [{"record_type": "vehicle", "ref": "hq3kabcdefgh", "match": "value"}]
        result = hits.ValueResult(kind="plate", value="x", line=1, items=1, hit=True, refs=refs)
        return hits.HitAnswer(peer=peer_name, query_id="q", items=1, hits=1, results=[result])

    monkeypatch.setattr(service.hits, "ask_peer", fake_ask)
    monkeypatch.setattr(service, "active_peers", lambda session: [_Peer()])
    answer = _check(analyst, "SK 1234 AB")
    assert "/exchange/requests/new?peer=MK&amp;ref=hq3kabcdefgh&amp;type=vehicle" in answer.text
