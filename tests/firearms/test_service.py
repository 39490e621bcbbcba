"""Firearm records carry their category, conversion flag and trace status (SQLite and PG)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from armsbridge.errors import NotFound, ValidationFailed
from armsbridge.firearms import service
from armsbridge.firearms.categories import load_rules
from armsbridge.firearms.models import FirearmSerialGram
from armsbridge.records.models import AmmunitionLot, Case, Event, Firearm
from principals import as_actor


def _firearm(session: Session, **values) -> Firearm:
    firearm = Firearm(jurisdiction=values.pop("jurisdiction", "XK"), **values)
    session.add(firearm)
    session.flush()
    return firearm


def test_a_record_is_categorised_when_written_and_again_when_its_facts_change(
    session: Session,
) -> None:
    gun = _firearm(
        session,
        kind="pistol",
        action="semi_automatic",
        facts={"ignition": "centre_fire", "barrel_length_cm": 11},
    )
    assert gun.category == "undetermined" and gun.category_missing == ["magazine_capacity"]
    result = service.set_facts(
        session, firearm_id=gun.id, facts={"magazine_capacity": 21}, user=as_actor("t")
    )
    assert (result.category, result.point) == ("A", "A7(a)")
    session.refresh(gun)
    assert (gun.category, gun.category_point) == ("A", "A7(a)")
    assert gun.rules_version == load_rules().version
    assert gun.facts["barrel_length_cm"] == 11  # merged, not replaced
    gun.action = "automatic"
    session.flush()
    assert gun.category_point == "A2"


def test_setting_unknown_facts_is_refused_and_nothing_changes(session: Session) -> None:
    gun = _firearm(session, action="automatic")
    with pytest.raises(ValidationFailed, match="colour"):
        service.set_facts(session, firearm_id=gun.id, facts={"colour": "red"}, user=as_actor("t"))
    assert gun.facts is None and gun.category_point == "A2"
    with pytest.raises(NotFound):
        service.categorize_firearm(session, firearm_id=999_999)


def test_invalid_stored_facts_give_undetermined_with_the_reason(session: Session) -> None:
    gun = _firearm(session, action="automatic", facts={"magazine_capacity": "lots"})
    assert gun.category == "undetermined"
    assert "magazine_capacity" in gun.category_missing
    assert "invalid" in gun.category_reasons[0]


def test_blank_pistol_seized_with_live_ammunition_is_flagged(session: Session) -> None:
    event = Event(jurisdiction="MK", kind="seizure")
    session.add(event)
    session.flush()
    gun = _firearm(
        session, jurisdiction="MK", make="Ekol", model="Tuna", calibre="9mm PAK", event_id=event.id
    )
    assert gun.conversion_suspected is False
    session.add(
        AmmunitionLot(jurisdiction="MK", calibre="9 mm Kurz", quantity=20, event_id=event.id)
    )
    session.flush()
    session.flush()
    assert gun.conversion_suspected is True
    assert any("live ammunition 9x17" in e for e in gun.conversion_evidence)
    assert any("Ekol Tuna" in e for e in gun.conversion_evidence)


def test_blank_ammunition_alone_raises_no_flag(session: Session) -> None:
    case = Case(jurisdiction="XK", reference="C-1", kind="trafficking")
    session.add(case)
    session.flush()
    gun = _firearm(session, make="Zoraki", model="914", case_id=case.id)
    session.add(
        AmmunitionLot(jurisdiction="XK", calibre="9 mm P.A.K.", quantity=50, case_id=case.id)
    )
    session.flush()
    session.flush()
    assert gun.conversion_suspected is False and gun.conversion_evidence is None


def test_drilled_barrel_on_a_blank_weapon_is_flagged_but_not_on_a_military_rifle(
    session: Session,
) -> None:
    blank = _firearm(session, markings="9mm P.A.K. PTB 1008, barrel drilled")
    rifle = _firearm(session, make="Zastava", model="M70", markings="barrel drilled")
    session.flush()
    assert blank.conversion_suspected is True
    assert rifle.conversion_suspected is False
    gun = _firearm(session, make="Blow", model="F92")
    service.set_facts(
        session, firearm_id=gun.id, facts={"barrel_replaced": True}, user=as_actor("t")
    )
    assert gun.conversion_suspected and "barrel replaced (recorded)" in gun.conversion_evidence


def test_trace_request_answer_and_status(session: Session) -> None:
    gun = _firearm(session, serial_raw="AB123")
    assert gun.trace_status == "not_attempted"
    req = service.add_trace_request(
        session,
        firearm_id=gun.id,
        sent_to="INTERPOL iARMS",
        sent_on=date(2026, 3, 1),
        channel="iarms",
        user=as_actor("t"),
    )
    assert gun.trace_status == "pending"
    with pytest.raises(ValidationFailed, match="before it was sent"):
        service.record_trace_answer(
            session, request_id=req.id, answered_on=date(2026, 2, 1), answer="x", user=as_actor("t")
        )
    service.record_trace_answer(
        session,
        request_id=req.id,
        answered_on=date(2026, 4, 2),
        answer="Sold 2019 in TR",
        outcome="origin_established",
        point_of_diversion="retail sale, Istanbul",
        user=as_actor("t"),
    )
    assert gun.trace_status == "established_by_tracing"
    assert gun.point_of_diversion == "retail sale, Istanbul"
    log = service.trace_log(session, firearm_id=gun.id)
    assert [(r["sent_to"], r["outcome"]) for r in log] == [("INTERPOL iARMS", "origin_established")]


def test_established_status_needs_a_point_of_diversion(session: Session) -> None:
    gun = _firearm(session)
    with pytest.raises(ValidationFailed, match="point of diversion"):
        service.set_trace_status(
            session, firearm_id=gun.id, status="established_otherwise", user=as_actor("t")
        )
    with pytest.raises(ValidationFailed, match="status"):
        service.set_trace_status(session, firearm_id=gun.id, status="done", user=as_actor("t"))
    service.set_trace_status(
        session,
        firearm_id=gun.id,
        status="established_otherwise",
        point_of_diversion="theft from a licensed holder, 2015",
        user=as_actor("t"),
    )
    summary = service.trace_summary(session, jurisdiction="XK")
    assert summary["established_otherwise"] >= 1 and set(summary) >= {"pending", "not_attempted"}


def test_refresh_completes_rows_written_in_bulk(session: Session) -> None:
    session.execute(
        insert(Firearm),
        [{"jurisdiction": "MK", "serial_normalised": "ZX9001", "action": "automatic"}],
    )
    gun = session.scalars(select(Firearm).where(Firearm.serial_normalised == "ZX9001")).one()
    assert gun.serial_key is None
    assert service.refresh_firearms(session) >= 1
    session.refresh(gun)
    assert gun.serial_key == "2X9001" and gun.category_point == "A2"
    grams = session.scalars(
        select(FirearmSerialGram.gram).where(FirearmSerialGram.firearm_id == gun.id)
    )
    assert set(grams) == {"2X9", "X90", "900", "001"}


def _scene(session: Session) -> tuple[list[Firearm], dict[str, int]]:
    """Blank pistols and a rifle spread over two events of one case, with lots of every kind."""
    case = Case(jurisdiction="XK", reference="C-9", kind="trafficking")
    other = Case(jurisdiction="XK", reference="C-10", kind="trafficking")
    session.add_all([case, other])
    session.flush()
    ev1 = Event(jurisdiction="XK", kind="seizure", case_id=case.id)
    ev2 = Event(jurisdiction="XK", kind="seizure", case_id=case.id)
    session.add_all([ev1, ev2])
    session.flush()
    lots = {
        "ev1_live": AmmunitionLot(
            jurisdiction="XK", calibre="9 mm Kurz", quantity=20, event_id=ev1.id, case_id=case.id
        ),
        "case_live": AmmunitionLot(
            jurisdiction="XK", calibre="7,62x39", quantity=5, case_id=case.id
        ),
        "ev2_blank": AmmunitionLot(
            jurisdiction="XK", calibre="9 mm P.A.K.", quantity=50, event_id=ev2.id
        ),
        "no_calibre": AmmunitionLot(jurisdiction="XK", quantity=3, event_id=ev2.id),
        "elsewhere": AmmunitionLot(jurisdiction="XK", calibre="9x19", quantity=9, case_id=other.id),
    }
    session.add_all(lots.values())
    session.flush()
    guns = [
        _firearm(session, make="Ekol", model="Tuna", event_id=ev1.id, case_id=case.id),
        _firearm(session, make="Zoraki", model="914", event_id=ev2.id, case_id=case.id),
        _firearm(session, make="Zoraki", model="914", event_id=ev2.id),
        _firearm(session, make="Zastava", model="M70", event_id=ev1.id, case_id=case.id),
        _firearm(session, make="Blow", model="F92", case_id=other.id),
    ]
    return guns, {k: lot.id for k, lot in lots.items()}


def test_conversion_evidence_names_each_live_lot_of_the_same_event_or_case(
    session: Session,
) -> None:
    guns, lot = _scene(session)
    tuna, zoraki_case, zoraki_alone, rifle, blow = guns
    assert tuna.conversion_evidence[1:] == [
        f"live ammunition 9x17 x20 (ammunition lot {lot['ev1_live']}, same event)",
        f"live ammunition 7.62x39 x5 (ammunition lot {lot['case_live']}, same case)",
    ]
    assert tuna.conversion_evidence[0].startswith("Ekol Tuna: blank-firing model")
    # Same case, other event: both live lots of the case count, neither as "same event".
    assert zoraki_case.conversion_suspected is True
    assert [e for e in zoraki_case.conversion_evidence if "live" in e] == [
        f"live ammunition 9x17 x20 (ammunition lot {lot['ev1_live']}, same case)",
        f"live ammunition 7.62x39 x5 (ammunition lot {lot['case_live']}, same case)",
    ]
    # Only blank and calibre-less lots in its event, no case: nothing to flag.
    assert zoraki_alone.conversion_suspected is False and zoraki_alone.conversion_evidence is None
    assert rifle.conversion_suspected is False  # live ammunition, but not a blank-firing model
    assert blow.conversion_suspected is True
    assert blow.conversion_evidence[-1] == (
        f"live ammunition 9x19 x9 (ammunition lot {lot['elsewhere']}, same case)"
    )


def test_refresh_checks_a_batch_with_one_ammunition_query_and_the_same_evidence(
    session: Session,
) -> None:
    from sqlalchemy import event as sa_event

    guns, _ = _scene(session)
    one_by_one = {g.id: service.check_conversion(session, firearm_id=g.id) for g in guns}
    for gun in guns:  # forget the stored result, so the refresh has to find it again
        gun.conversion_suspected, gun.conversion_evidence = False, None
    session.flush()
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    bind = session.connection().engine
    sa_event.listen(bind, "before_cursor_execute", seen)
    try:
        service.refresh_firearms(session, ids=[g.id for g in guns])
    finally:
        sa_event.remove(bind, "before_cursor_execute", seen)
    assert sum("FROM ammunition_lots" in s for s in statements) == 1
    assert {g.id: g.conversion_evidence or [] for g in guns} == one_by_one
    assert [g.conversion_suspected for g in guns] == [True, True, False, False, True]


def test_ammunition_written_in_bulk_after_its_firearm_flags_the_firearm(session: Session) -> None:
    from armsbridge.records.bulk import bulk_write
    from armsbridge.records.validation import prepare_values

    event = Event(jurisdiction="MK", kind="seizure")
    session.add(event)
    session.flush()
    gun = _firearm(session, jurisdiction="MK", make="Ekol", model="Tuna", event_id=event.id)
    assert gun.conversion_suspected is False
    lot = prepare_values(
        "ammunition",
        {"jurisdiction": "MK", "external_ref": "M-1", "calibre": "9 mm Kurz", "quantity": 20},
    )
    lot["event_id"] = event.id
    ids = bulk_write(
        session, record_type="ammunition", inserts=[lot], updates=[], user=as_actor("t")
    )
    session.refresh(gun)
    assert gun.conversion_suspected is True
    assert gun.conversion_evidence[-1] == (
        f"live ammunition 9x17 x20 (ammunition lot {ids[('MK', 'M-1')]}, same event)"
    )
