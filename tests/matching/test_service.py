"""Match runs over the store: decisions survive re-runs, undo gives each entity its own links."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.errors import NotFound, ValidationFailed
from armsbridge.matching.config import MatchEngineSettings
from armsbridge.matching.models import MatchLink, MatchRun
from armsbridge.matching.service import (
    decide,
    entity_links,
    entity_members,
    review_queue,
    run_match,
    undo,
)
from armsbridge.records.models import Case, Firearm, Link, Person, Vehicle
from armsbridge.settings import Settings
from principals import as_actor

SETTINGS = Settings(match_auto_accept=0.99, match_review=0.3)


def _person(session: Session, j: str, ref: str, **kw: str) -> Person:
    p = Person(jurisdiction=j, external_ref=ref, **kw)
    session.add(p)
    session.flush()
    return p


@pytest.fixture
def world(session: Session) -> dict[str, Person]:
    people = {
        "xhafer_mk": _person(
            session,
            "MK",
            "p1",
            given_name="Џафер",
            family_name="Бајрами",
            father_name="Рамадан",
            birth_date="1986",
            birth_place="Тетово",
        ),
        "xhafer_xk": _person(
            session,
            "XK",
            "p2",
            given_name="Xhafer",
            family_name="Bajrami",
            father_name="i biri i Ramadanit",
            birth_date="1986-03-14",
            birth_place="Tetovë",
        ),
        "bekim_xk": _person(
            session,
            "XK",
            "p3",
            given_name="Bekim",
            family_name="Bajrami",
            father_name="Ramadan",
            birth_date="1988-02-01",
        ),
        "gjorgji_mk": _person(
            session,
            "MK",
            "p4",
            given_name="Ѓорѓи",
            family_name="Петровски",
            father_name="Трајко",
            birth_date="1979-05-02",
        ),
        "gjorgji_xk": _person(
            session,
            "XK",
            "p5",
            given_name="Gjorgji",
            family_name="Petrovski",
            father_name="Trajko",
            birth_date="1979",
        ),
    }
    return people


def _run(session: Session) -> MatchRun:
    return run_match(session, entity_type="person", user=as_actor("tester"), settings=SETTINGS)


def _match(session: Session, run: MatchRun, a: Person, b: Person) -> MatchLink | None:
    lo, hi = sorted((a.id, b.id))
    return session.execute(
        select(MatchLink).where(
            MatchLink.run_id == run.id, MatchLink.left_id == lo, MatchLink.right_id == hi
        )
    ).scalar_one_or_none()


def test_run_accepts_sure_matches_and_keeps_records(session: Session, world) -> None:  # noqa: ANN001
    run = _run(session)
    m = _match(session, run, world["xhafer_mk"], world["xhafer_xk"])
    assert m is not None and m.status == "auto_accepted"
    assert {e["comparison"] for e in m.evidence} >= {"name", "father_name", "birth_date"}
    assert entity_members(session, "person", world["xhafer_mk"].id) == {
        world["xhafer_mk"].id,
        world["xhafer_xk"].id,
    }
    assert _match(session, run, world["xhafer_mk"], world["bekim_xk"]) is None
    assert session.get(Person, world["xhafer_mk"].id).given_name == "Џафер"
    assert run.model["armsbridge"]["model_version"]


def _suggestions(session: Session, run: MatchRun) -> dict[tuple[int, int], tuple]:
    links = session.execute(select(MatchLink).where(MatchLink.run_id == run.id)).scalars()
    return {(m.left_id, m.right_id): (round(m.probability, 9), m.status, m.evidence) for m in links}


@pytest.mark.xdist_group("spark")
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (.ci/run installs it)")
def test_a_store_run_on_spark_makes_the_same_suggestions(session: Session, world) -> None:  # noqa: ANN001
    on_duckdb = _run(session)
    spark = MatchEngineSettings(backend="spark", memory_limit="1GB", spark_partitions=2)
    on_spark = run_match(
        session, entity_type="person", user=as_actor("tester"), settings=SETTINGS, engine=spark
    )
    assert on_spark.model["armsbridge"]["backend"] == "spark"
    assert _suggestions(session, on_spark) == _suggestions(session, on_duckdb)
    assert _match(session, on_spark, world["xhafer_mk"], world["xhafer_xk"]) is not None


def test_decisions_survive_a_rerun(session: Session, world) -> None:  # noqa: ANN001
    run1 = _run(session)
    sure = _match(session, run1, world["xhafer_mk"], world["xhafer_xk"])
    other = _match(session, run1, world["gjorgji_mk"], world["gjorgji_xk"])
    assert sure is not None and other is not None
    decide(session, match_id=sure.id, decision="reject", user=as_actor("analyst"), note="brothers")
    decide(session, match_id=other.id, decision="unsure", user=as_actor("analyst"))
    run2 = _run(session)
    again = _match(session, run2, world["xhafer_mk"], world["xhafer_xk"])
    assert again is not None and again.status == "rejected" and again.same_as_link_id is None
    assert entity_members(session, "person", world["xhafer_mk"].id) == {world["xhafer_mk"].id}
    unsure = _match(session, run2, world["gjorgji_mk"], world["gjorgji_xk"])
    assert unsure is not None and unsure.status == "unsure"
    assert unsure.id in {m.id for m in review_queue(session, entity_type="person")}
    decide(session, match_id=unsure.id, decision="confirm", user=as_actor("analyst"))
    run3 = _run(session)
    assert _match(session, run3, world["gjorgji_mk"], world["gjorgji_xk"]).status == "confirmed"


def test_undo_restores_both_entities_links(session: Session, world) -> None:  # noqa: ANN001
    a, b = world["xhafer_mk"], world["xhafer_xk"]
    case_mk = Case(jurisdiction="MK", reference="MK-1", kind="seizure")
    case_xk = Case(jurisdiction="XK", reference="XK-1", kind="seizure")
    session.add_all([case_mk, case_xk])
    session.flush()
    la = Link(
        jurisdiction="MK",
        kind="involved_in",
        from_type="person",
        from_id=a.id,
        to_type="case",
        to_id=case_mk.id,
    )
    lb = Link(
        jurisdiction="XK",
        kind="involved_in",
        from_type="person",
        from_id=b.id,
        to_type="case",
        to_id=case_xk.id,
    )
    session.add_all([la, lb])
    session.flush()
    run = _run(session)
    m = _match(session, run, a, b)
    assert {x.id for x in entity_links(session, "person", a.id)} == {la.id, lb.id}
    undo(session, match_id=m.id, user=as_actor("analyst"), note="wrong man")
    assert {x.id for x in entity_links(session, "person", a.id)} == {la.id}
    assert {x.id for x in entity_links(session, "person", b.id)} == {lb.id}
    assert session.get(Person, b.id) is not None
    rerun = _run(session)
    assert _match(session, rerun, a, b).status == "undone"
    assert entity_members(session, "person", a.id) == {a.id}


def test_decisions_are_audited(session: Session, world) -> None:  # noqa: ANN001
    from armsbridge.audit.models import AuditEntry

    run = _run(session)
    m = _match(session, run, world["xhafer_mk"], world["xhafer_xk"])
    decide(
        session, match_id=m.id, decision="reject", user=as_actor("analyst"), note="checked ID card"
    )
    entries = (
        session.execute(
            select(AuditEntry).where(AuditEntry.action == "review", AuditEntry.actor == "analyst")
        )
        .scalars()
        .all()
    )
    assert entries and entries[-1].details["decision"] == "reject"
    assert entries[-1].why == "checked ID card"


def test_bad_decision_and_unknown_match_are_user_errors(session: Session, world) -> None:  # noqa: ANN001
    run = _run(session)
    m = session.execute(select(MatchLink).where(MatchLink.run_id == run.id)).scalars().first()
    with pytest.raises(ValidationFailed):
        decide(session, match_id=m.id, decision="maybe", user=as_actor("a"))
    with pytest.raises(NotFound):
        decide(session, match_id=10**9, decision="confirm", user=as_actor("a"))
    with pytest.raises(ValidationFailed):
        run_match(session, entity_type="boat", settings=SETTINGS)


def _held(session: Session, kind: str, item: Firearm | Vehicle, owner: Person) -> Any:
    """Store a firearm or vehicle and the owner_of link from its owner."""
    session.add(item)
    session.flush()
    session.add(
        Link(
            jurisdiction=item.jurisdiction,
            kind="owner_of",
            from_type="person",
            from_id=owner.id,
            to_type=kind,
            to_id=item.id,
        )
    )
    session.flush()
    return item


def _gun(session: Session, j: str, ref: str, holder: Person, serial: str | None) -> Firearm:
    gun = Firearm(
        jurisdiction=j,
        external_ref=ref,
        serial_raw=serial,
        make="Zastava",
        model="M57",
        calibre="7.62x25",
    )
    return _held(session, "firearm", gun, holder)


def _car(session: Session, j: str, ref: str, owner: Person, plate: str | None) -> Vehicle:
    car = Vehicle(jurisdiction=j, external_ref=ref, plate_raw=plate, make="Audi", model="A4")
    return _held(session, "vehicle", car, owner)


def _pairs(session: Session, entity_type: str) -> dict[tuple[int, int], MatchLink]:
    """Run the matcher for one type; return its suggestions by (lower id, higher id)."""
    run = run_match(session, entity_type=entity_type, user=as_actor("tester"), settings=SETTINGS)
    return {
        (m.left_id, m.right_id): m
        for m in session.execute(select(MatchLink).where(MatchLink.run_id == run.id)).scalars()
    }


def _person_evidence(session: Session, comparison: str) -> dict[tuple[int, int], dict | None]:
    """Run the person matcher; return one comparison's evidence for each suggested pair."""
    return {
        pair: next((e for e in m.evidence if e["comparison"] == comparison), None)
        for pair, m in _pairs(session, "person").items()
    }


def test_a_gun_with_no_serial_is_found_through_its_matched_holder(session: Session, world) -> None:  # noqa: ANN001
    xhafer_mk, xhafer_xk = world["xhafer_mk"], world["xhafer_xk"]
    seized = _gun(session, "MK", "f1", xhafer_mk, "A123456")
    reported = _gun(session, "XK", "f2", xhafer_xk, None)  # serial filed off
    other = _gun(session, "XK", "f3", world["gjorgji_xk"], None)  # same model, another man
    _run(session)  # joins the two Xhafer records (a same_as link)
    assert entity_members(session, "person", xhafer_mk.id) == {xhafer_mk.id, xhafer_xk.id}
    pairs = _pairs(session, "firearm")
    found = pairs[tuple(sorted((seized.id, reported.id)))]
    assert found.probability >= SETTINGS.match_review
    assert any(e["comparison"] == "holder" and e["agrees"] for e in found.evidence)
    for gun in (seized, reported):
        assert tuple(sorted((gun.id, other.id))) not in pairs


def test_a_car_with_no_plate_is_found_through_its_matched_owner(session: Session, world) -> None:  # noqa: ANN001
    seen = _car(session, "MK", "v1", world["xhafer_mk"], "TE 1234 AB")
    reported = _car(session, "XK", "v2", world["xhafer_xk"], None)
    other = _car(session, "XK", "v3", world["gjorgji_xk"], None)
    _run(session)  # joins the two Xhafer records
    pairs = _pairs(session, "vehicle")
    found = pairs[tuple(sorted((seen.id, reported.id)))]
    assert any(e["comparison"] == "holder" and e["agrees"] for e in found.evidence)
    assert tuple(sorted((seen.id, other.id))) not in pairs


def test_people_holding_the_same_gun_have_it_as_evidence(session: Session, world) -> None:  # noqa: ANN001
    xhafer_mk, xhafer_xk = world["xhafer_mk"], world["xhafer_xk"]
    _gun(session, "MK", "f1", xhafer_mk, "BK13-866818")
    _gun(session, "XK", "f2", xhafer_xk, "ВК13 866818")  # typed on a Cyrillic keyboard
    _gun(session, "XK", "f3", world["gjorgji_xk"], "BK13-866819")  # the next gun off the line
    held = _person_evidence(session, "items")
    same = held[tuple(sorted((xhafer_mk.id, xhafer_xk.id)))]
    assert same is not None and same["level"] == "same firearm or vehicle" and same["agrees"]
    other = held.get(tuple(sorted((xhafer_mk.id, world["gjorgji_xk"].id))))
    assert other is None or not other["agrees"]


def _in_case(session: Session, j: str, ref: str, *people: Person) -> Case:
    """Store a case of side `j` and an involved_in link from each of `people`."""
    case = Case(jurisdiction=j, reference=ref, kind="seizure")
    session.add(case)
    session.flush()
    for p in people:
        session.add(
            Link(
                jurisdiction=j,
                kind="involved_in",
                from_type="person",
                from_id=p.id,
                to_type="case",
                to_id=case.id,
            )
        )
    session.flush()
    return case


def test_people_whose_cases_hold_someone_of_the_same_name_have_it_as_evidence(
    session: Session,
    world,  # noqa: ANN001
) -> None:
    xhafer_mk, xhafer_xk = world["xhafer_mk"], world["xhafer_xk"]
    # The same accomplice, written in each side's script, and a stranger in a third case.
    _in_case(
        session,
        "MK",
        "MK-7",
        xhafer_mk,
        _person(session, "MK", "a1", given_name="Агрон", family_name="Шаќири"),
    )
    _in_case(
        session,
        "XK",
        "XK-7",
        xhafer_xk,
        _person(session, "XK", "a2", given_name="Agron", family_name="Shaqiri"),
    )
    _in_case(
        session,
        "XK",
        "XK-8",
        world["gjorgji_xk"],
        _person(session, "XK", "a3", given_name="Ilir", family_name="Gashi"),
    )
    known = _person_evidence(session, "associates")
    same = known[tuple(sorted((xhafer_mk.id, xhafer_xk.id)))]
    assert same is not None and same["level"] == "an associate of the same name" and same["agrees"]
    other = known.get(tuple(sorted((xhafer_mk.id, world["gjorgji_xk"].id))))
    assert other is None or not other["agrees"]
