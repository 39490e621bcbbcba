"""Cross-border matching of received records: only against own ones, marked, never auto-accepted."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.auth.principal import Principal
from armsbridge.errors import NotFound
from armsbridge.matching.models import MatchLink
from armsbridge.matching.received import match_received, pending
from armsbridge.matching.service import decide, review_queue
from armsbridge.records.models import Person, Phone, Provenance
from armsbridge.settings import Settings

SETTINGS = Settings(match_auto_accept=0.99, match_review=0.3, jurisdiction="XK")


def _person(session: Session, j: str, **kw: str) -> Person:
    p = Person(jurisdiction=j, **kw)
    session.add(p)
    session.flush()
    return p


def _received(session: Session, record, record_type: str, code: str = "H0") -> None:  # noqa: ANN001
    session.add(
        Provenance(
            record_type=record_type,
            record_id=record.id,
            held_by="XK",
            provider="MK",
            remote_ref=f"h{record_type}{record.id}",
            message_id=f"m-{record_type}-{record.id}",
            handling_code=code,
        )
    )
    session.flush()


@pytest.fixture
def people(session: Session) -> dict[str, Person]:
    own = _person(
        session,
        "XK",
        given_name="Xhafer",
        family_name="Bajrami",
        father_name="Ramadan",
        birth_date="1986-03-14",
        birth_place="Tetovë",
    )
    other_own = _person(
        session, "XK", given_name="Bekim", family_name="Krasniqi", birth_date="1971-01-09"
    )
    came = _person(
        session,
        "MK",
        given_name="Џафер",
        family_name="Бајрами",
        father_name="Рамадан",
        birth_date="1986-03-14",
        birth_place="Тетово",
    )
    # Two received records of the same man: the provider's business, never matched here.
    came_twice = _person(
        session, "MK", given_name="Џафер", family_name="Бајрами", birth_date="1986-03-14"
    )
    for p in (came, came_twice):
        _received(session, p, "person")
    return {"own": own, "other_own": other_own, "came": came, "came_twice": came_twice}


def _pairs(session: Session) -> dict[tuple[int, int], MatchLink]:
    links = session.scalars(select(MatchLink).where(MatchLink.cross_border.is_(True))).all()
    return {(m.left_id, m.right_id): m for m in links}


def test_received_persons_meet_the_nodes_own_across_scripts(session: Session, people) -> None:  # noqa: ANN001
    assert sorted(pending(session)["person"]) == sorted(
        [people["came"].id, people["came_twice"].id]
    )
    (run,) = match_received(session, settings=SETTINGS)
    assert run.scope == "received" and run.records == 2
    pairs = _pairs(session)
    sure = pairs[tuple(sorted((people["own"].id, people["came"].id)))]
    # However sure, a match across the border waits for an analyst.
    assert sure.probability > 0.99 and sure.status == "review"
    assert tuple(sorted((people["came"].id, people["came_twice"].id))) not in pairs
    assert all(people["other_own"].id not in pair for pair in pairs)
    queued = {m.id for m in review_queue(session, entity_type="person")}
    assert sure.id in queued
    assert pending(session) == {}
    assert match_received(session, settings=SETTINGS) == []  # nothing new, nothing done


def test_a_changed_received_record_is_matched_again(session: Session, people) -> None:  # noqa: ANN001
    match_received(session, settings=SETTINGS)
    prov = session.scalar(select(Provenance).where(Provenance.record_id == people["came"].id))
    prov.matched_at = None  # what the exchange handler does when an update arrives
    session.flush()
    (run,) = match_received(session, settings=SETTINGS)
    assert run.records == 1


def test_received_phones_match_by_number(session: Session) -> None:
    own = Phone(jurisdiction="XK", number_raw="044 123 456", country="XK", e164="+38344123456")
    came = Phone(jurisdiction="MK", number_raw="+383 44 123 456", e164="+38344123456")
    session.add_all([own, came])
    session.flush()
    _received(session, came, "phone")
    match_received(session, settings=SETTINGS)
    assert tuple(sorted((own.id, came.id))) in _pairs(session)


def test_a_decision_needs_both_records_visible(session: Session, people) -> None:  # noqa: ANN001
    match_received(session, settings=SETTINGS)
    match = _pairs(session)[tuple(sorted((people["own"].id, people["came"].id)))]
    prov = session.scalar(select(Provenance).where(Provenance.record_id == people["came"].id))
    prov.handling_code = "H2"  # H2 records need a grant or the case: this analyst has neither
    session.get(Person, people["came"].id).handling_code = "H2"
    session.flush()
    analyst = Principal(id=987654, username="a-test", role="analyst", jurisdiction="XK")
    with pytest.raises(NotFound):
        decide(session, match_id=match.id, decision="confirm", user=analyst)
    mk_analyst = Principal(id=987655, username="m-test", role="analyst", jurisdiction="MK")
    with pytest.raises(NotFound):
        decide(session, match_id=match.id, decision="confirm", user=mk_analyst)
