"""A record's page lists its possible matches, marks those across the border, takes decisions."""

from __future__ import annotations

from sqlalchemy import select

from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.matching.models import MatchLink
from armsbridge.matching.received import match_received
from armsbridge.records.models import Link, Person, Provenance
from armsbridge.settings import Settings

from .conftest import csrf_of

WHY = "case XK-2026-001: who is the owner"


def _receive_mk_person(node) -> None:  # noqa: ANN001
    factory = make_sessionmaker(node.app.state.engine)
    with session_scope(factory) as s:
        person = s.get(Person, node.ids["mk_person"])
        person.father_name, person.birth_date = "Ramadan", "1986-03-14"
        s.add(
            Provenance(
                record_type="person",
                record_id=person.id,
                held_by="XK",
                provider="MK",
                remote_ref="hpagetest",
                message_id="m-page-test",
                handling_code="H1",
            )
        )
        s.flush()
        match_received(s, settings=Settings(jurisdiction="XK", match_review=0.3))


def test_the_person_page_shows_the_cross_border_match_and_confirms_it(node, analyst) -> None:  # noqa: ANN001
    _receive_mk_person(node)
    page = analyst.get(f"/records/persons/{node.ids['person']}", params={"why": WHY})
    assert page.status_code == 200
    assert "Possible matches" in page.text and "Cross-border" in page.text
    assert "Bajrami" in page.text  # the received record, visible to the holding service
    factory = make_sessionmaker(node.app.state.engine)
    with session_scope(factory) as s:
        match = s.scalar(select(MatchLink).where(MatchLink.cross_border.is_(True)))
        match_id = match.id
    answer = analyst.post(
        f"/matches/{match_id}/decide",
        data={
            "decision": "confirm",
            "back_type": "person",
            "back_id": str(node.ids["person"]),
            "why": WHY,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"/records/persons/{node.ids['person']}?why=")
    with session_scope(factory) as s:
        assert s.get(MatchLink, match_id).status == "confirmed"
        same_as = s.scalars(select(Link).where(Link.kind == "same_as")).all()
        assert {(link.from_id, link.to_id) for link in same_as} == {
            tuple(sorted((node.ids["person"], node.ids["mk_person"])))
        }
    again = analyst.get(f"/records/persons/{node.ids['person']}", params={"why": WHY})
    assert "Undo" in again.text


def test_a_decision_without_the_form_token_is_refused(node, analyst) -> None:  # noqa: ANN001
    _receive_mk_person(node)
    answer = analyst.post(
        "/matches/1/decide",
        data={"decision": "confirm", "back_type": "person", "back_id": "1"},
        follow_redirects=False,
    )
    assert answer.status_code == 403
