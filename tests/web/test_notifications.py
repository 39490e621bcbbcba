"""Notifications: one service counting what waits for each user, per role and per row rights."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from armsbridge.auth.access import log_access
from armsbridge.auth.models import User
from armsbridge.auth.principal import Principal
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.exchange.request_models import InfoRequest
from armsbridge.notifications import service

from .conftest import sign_in
from .test_match_review import queued  # noqa: F401 - the fixture of suggestions

NOW = datetime.now(UTC)


def _request(side: str, ref: str, **values) -> InfoRequest:
    return InfoRequest(
        side=side,
        ref=ref,
        peer_id=1,
        requester=values.pop("requester", "mk-analyst"),
        justification="case MK-7/26",
        **values,
    )


def _seed_exchange(node) -> None:
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        s.add_all(
            [
                _request("owner", "r-near", state="open", due_at=NOW + timedelta(hours=3)),
                _request("owner", "r-late", state="open", due_at=NOW - timedelta(hours=1)),
                _request("owner", "r-later", state="open", due_at=NOW + timedelta(days=5)),
                _request("owner", "r-done", state="answered", answered_at=NOW),
                _request("asker", "a-mine", requester="analyst", state="answered", answered_at=NOW),
                _request(
                    "asker",
                    "a-old",
                    requester="analyst",
                    state="answered",
                    answered_at=NOW - timedelta(days=30),
                ),
                _request(
                    "asker", "a-other", requester="someone", state="answered", answered_at=NOW
                ),
                _request("asker", "a-open", requester="analyst", state="open"),
            ]
        )


def _page(client: TestClient) -> dict[str, str]:
    html = client.get("/notifications").text
    return dict(re.findall(r'data-kind="([^"]+)"><a href="[^"]+">([^<]+)</a>', html))


def test_the_analyst_sees_requests_deadlines_and_answers(node, analyst) -> None:
    _seed_exchange(node)
    shown = _page(analyst)
    assert shown["requests:waiting"] == "3 requests from the other service waiting"
    assert shown["requests:near"] == "2 requests due within 24 hours"
    assert shown["answers"] == "1 answer to your requests arrived"


def test_urgent_notices_come_first(node, analyst) -> None:
    _seed_exchange(node)
    html = analyst.get("/notifications").text
    assert html.index("requests:near") < html.index("requests:waiting")


def test_match_suggestions_count_only_pairs_the_user_may_read(node, analyst, queued) -> None:  # noqa: F811
    shown = _page(analyst)
    # three person suggestions, one of them with an MK record the XK analyst may not read
    assert shown["matches:person"] == "2 person match suggestions to review"
    assert shown["matches:firearm"] == "1 firearm match suggestion to review"


def test_a_role_sees_only_what_it_may_open(node, queued) -> None:  # noqa: F811
    _seed_exchange(node)
    with TestClient(node.app) as client:
        sign_in(client, "border")  # no record.update, no exchange.answer/request, no import.run
        assert _page(client) == {}
        assert "Nothing is waiting for you." in client.get("/notifications").text
        bell = client.get("/notifications/bell").text
        assert 'data-total="0"' in bell and "bell-count" not in bell


def test_the_bell_shows_the_total(node, analyst) -> None:
    _seed_exchange(node)
    bell = analyst.get("/notifications/bell")
    assert bell.status_code == 200
    assert 'data-total="6"' in bell.text  # 3 waiting + 2 near + 1 answer
    assert 'href="/notifications"' in bell.text


def test_the_layout_loads_the_bell(node, analyst) -> None:
    page = analyst.get("/").text
    assert 'hx-get="/notifications/bell"' in page


def test_finished_imports_of_the_user_only(node) -> None:
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        me = Principal(id=1, username="analyst", role="analyst", jurisdiction="XK")
        other = Principal(id=2, username="someone", role="analyst", jurisdiction="XK")
        log_access(s, user=me, action="import", jurisdiction="XK", details={})
        log_access(s, user=other, action="import", jurisdiction="XK", details={})
        found = {n.kind: n.count for n in service.notices_for(s, user=me)}
        assert found.get("imports") == 1


def test_anonymous_is_sent_to_sign_in(node) -> None:
    with TestClient(node.app) as client:
        answer = client.get("/notifications", follow_redirects=False)
        assert answer.status_code in (302, 303, 307)
        assert client.get("/notifications/bell", follow_redirects=False).status_code != 200


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("mk", "3 барања од другата служба чекаат"),
        ("sq", "3 kërkesa nga shërbimi tjetër në pritje"),
        ("sr", "3 zahteva druge službe čekaju"),
    ],
)
def test_notices_speak_the_users_language(node, analyst, lang, words) -> None:
    _seed_exchange(node)
    with session_scope(make_sessionmaker(node.app.state.engine)) as s:
        s.scalar(select(User).where(User.username == "analyst")).language = lang
    html = analyst.get("/notifications").text
    assert words in html and "%(" not in html
