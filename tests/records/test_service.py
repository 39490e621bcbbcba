"""Records service: validation messages, normalisation on write, case status rules, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.principal import Principal
from armsbridge.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from armsbridge.records import service
from armsbridge.records.identifiers import normalise_phone, normalise_plate
from armsbridge.records.models import CaseStatusChange, Link
from principals import as_actor


def _entries(session, **where):
    stmt = select(AuditEntry).order_by(AuditEntry.seq)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return list(session.execute(stmt).scalars())


def _case(session, ref="XK-2024-1", **extra):
    data = {"jurisdiction": "XK", "external_ref": ref, "reference": ref, "kind": "trafficking"}
    return service.create_record(
        session, record_type="case", data={**data, **extra}, user=as_actor("analyst1")
    )


def test_validation_error_names_every_field_value_and_expectation(session):
    with pytest.raises(ValidationFailed) as info:
        service.create_record(
            session,
            record_type="person",
            data={"jurisdiction": "XK", "sex": "Q", "birth_date": "31.02.1986", "colour": "red"},
            user=as_actor("a"),
        )
    problems = {p["field"]: p for p in info.value.problems}
    assert problems["sex"]["value"] == "Q"
    assert "one of" in problems["sex"]["expected"]
    assert problems["birth_date"]["expected"] == "a real calendar date"
    assert problems["colour"]["expected"] == "a field of person"
    assert "birth_date" in str(info.value) and "'31.02.1986'" in str(info.value)


def test_required_fields_and_unknown_jurisdiction_are_refused(session):
    with pytest.raises(ValidationFailed) as info:
        service.create_record(
            session, record_type="case", data={"jurisdiction": "RS"}, user=as_actor("a")
        )
    fields = {p["field"] for p in info.value.problems}
    assert fields == {"jurisdiction", "reference", "kind"}


def test_firearm_serial_and_calibre_normalised_on_write(session):
    firearm = service.create_record(
        session,
        record_type="firearm",
        data={"jurisdiction": "MK", "serial_raw": "К-72 45", "calibre": "7,62 x 39 mm"},
        user=as_actor("a"),
    )
    assert firearm.serial_raw == "К-72 45"  # the raw text is kept exactly as read
    assert firearm.serial_normalised == "K7245"
    assert firearm.calibre_normalised == "7.62x39"


def test_computed_columns_cannot_be_set_directly(session):
    with pytest.raises(ValidationFailed, match="serial_normalised"):
        service.create_record(
            session,
            record_type="firearm",
            data={"jurisdiction": "MK", "serial_normalised": "X1"},
            user=as_actor("a"),
        )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("01-123-AB", "01123AB"), ("СК 1234 АВ", "CK1234AB"), ("sk-1234-ab", "SK1234AB"), ("", None)],
)
def test_plate_normalisation(raw, expected):
    assert normalise_plate(raw) == expected


@pytest.mark.parametrize(
    ("raw", "jurisdiction", "e164", "region"),
    [
        ("044 123 456", "XK", "+38344123456", "XK"),
        ("070/123-456", "MK", "+38970123456", "MK"),
        ("00383 49 123 456", "MK", "+38349123456", "XK"),
        ("+389 70 123 456", "XK", "+38970123456", "MK"),
    ],
)
def test_phone_e164_uses_the_jurisdiction_as_default_region(raw, jurisdiction, e164, region):
    assert normalise_phone(raw, jurisdiction=jurisdiction) == (e164, region)


def test_phone_that_is_not_a_number_is_refused(session):
    with pytest.raises(ValidationFailed) as info:
        service.create_record(
            session,
            record_type="phone",
            data={"jurisdiction": "XK", "number_raw": "abc"},
            user=as_actor("a"),
        )
    assert info.value.problems[0]["field"] == "number_raw"


def test_vehicle_and_phone_records_store_normalised_forms(session):
    car = service.create_record(
        session,
        record_type="vehicle",
        data={"jurisdiction": "MK", "plate_raw": "СК 1234 АВ"},
        user=as_actor("a"),
    )
    phone = service.create_record(
        session,
        record_type="phone",
        data={"jurisdiction": "MK", "number_raw": "070 123 456"},
        user=as_actor("a"),
    )
    assert car.plate_normalised == "CK1234AB"
    assert (phone.e164, phone.country) == ("+38970123456", "MK")


def test_person_name_key_is_script_independent(session):
    cyr = service.create_record(
        session,
        record_type="person",
        data={"jurisdiction": "MK", "given_name": "Џафер", "family_name": "Бајрами"},
        user=as_actor("a"),
    )
    lat = service.create_record(
        session,
        record_type="person",
        data={"jurisdiction": "XK", "given_name": "Xhafer", "family_name": "Bajrami"},
        user=as_actor("a"),
    )
    assert cyr.name_key and cyr.name_key == lat.name_key
    service.update_record(
        session,
        record_type="person",
        record_id=lat.id,
        data={"family_name": "Gashi"},
        user=as_actor("a"),
    )
    assert lat.name_key != cyr.name_key


def test_create_and_change_are_audited_with_before_and_after(session):
    person = service.create_record(
        session,
        record_type="person",
        data={"jurisdiction": "XK", "given_name": "Arben", "family_name": "Krasniqi"},
        user=as_actor("analyst1"),
    )
    service.update_record(
        session,
        record_type="person",
        record_id=person.id,
        data={"family_name": "Krasniqi-Berisha", "given_name": "Arben"},
        user=as_actor("analyst2"),
    )
    entries = _entries(session, record_type="person", record_id=person.id)
    assert [e.action for e in entries] == ["create", "change"]
    assert entries[0].actor == "analyst1" and entries[0].after["family_name"] == "Krasniqi"
    change = entries[1]
    assert change.actor == "analyst2"
    assert change.before == {"family_name": "Krasniqi", "name_key": entries[0].after["name_key"]}
    assert change.after["family_name"] == "Krasniqi-Berisha"
    assert "given_name" not in change.after  # unchanged fields are not logged as changes


def test_update_without_change_writes_no_audit_entry(session):
    person = service.create_record(
        session,
        record_type="person",
        data={"jurisdiction": "XK", "given_name": "A"},
        user=as_actor("a"),
    )
    service.update_record(
        session,
        record_type="person",
        record_id=person.id,
        data={"given_name": "A"},
        user=as_actor("a"),
    )
    assert len(_entries(session, record_type="person", record_id=person.id)) == 1


def test_upsert_by_jurisdiction_and_external_ref(session):
    data = {"jurisdiction": "XK", "external_ref": "P-1", "given_name": "Besa"}
    first, created = service.upsert_record(
        session, record_type="person", data=data, user=as_actor("a")
    )
    again, created_again = service.upsert_record(
        session, record_type="person", data={**data, "given_name": "Besë"}, user=as_actor("a")
    )
    other, _ = service.upsert_record(
        session, record_type="person", data={**data, "jurisdiction": "MK"}, user=as_actor("a")
    )
    assert created and not created_again
    assert again.id == first.id and again.given_name == "Besë"
    assert other.id != first.id  # the same reference in another jurisdiction is another record


def test_create_refuses_a_duplicate_reference(session):
    _case(session)
    with pytest.raises(Conflict, match="already exists"):
        _case(session)


def test_get_record_of_missing_id_is_not_found(session):
    with pytest.raises(NotFound):
        service.get_record(session, record_type="person", record_id=987654)


def test_case_moves_forward_to_a_verdict_with_history(session):
    case = _case(session, opened_on="01.03.2024")
    service.add_status_change(
        session,
        case_id=case.id,
        status="under_investigation",
        changed_on="05.03.2024",
        user=as_actor("a"),
    )
    service.add_status_change(
        session, case_id=case.id, status="indicted", changed_on=date(2024, 6, 1), user=as_actor("a")
    )
    service.add_status_change(
        session,
        case_id=case.id,
        status="convicted",
        changed_on="10.12.2024",
        court_reference="P.nr. 123/24",
        user=as_actor("judge-clerk"),
    )
    history = session.execute(
        select(CaseStatusChange.status, CaseStatusChange.changed_on)
        .where(CaseStatusChange.case_id == case.id)
        .order_by(CaseStatusChange.changed_on)
    ).all()
    assert [h.status for h in history] == [
        "reported",
        "under_investigation",
        "indicted",
        "convicted",
    ]
    assert history[0].changed_on == date(2024, 3, 1)
    assert case.status == "convicted" and case.court_reference == "P.nr. 123/24"
    changes = _entries(session, record_type="case", record_id=case.id, action="change")
    assert changes[-1].before["status"] == "indicted"
    assert changes[-1].after["status"] == "convicted"


def test_case_status_cannot_go_back(session):
    case = _case(session)
    service.add_status_change(
        session, case_id=case.id, status="indicted", changed_on="01.06.2024", user=as_actor("a")
    )
    with pytest.raises(Conflict, match="cannot go back from indicted to under_investigation"):
        service.add_status_change(
            session,
            case_id=case.id,
            status="under_investigation",
            changed_on="02.06.2024",
            user=as_actor("a"),
        )


def test_case_status_cannot_change_after_a_verdict(session):
    case = _case(session)
    service.add_status_change(
        session, case_id=case.id, status="dismissed", changed_on="01.06.2024", user=as_actor("a")
    )
    with pytest.raises(Conflict, match="already has its verdict"):
        service.add_status_change(
            session,
            case_id=case.id,
            status="convicted",
            changed_on="02.06.2024",
            user=as_actor("a"),
        )


def test_status_change_dated_before_the_last_is_refused(session):
    case = _case(session)
    service.add_status_change(
        session,
        case_id=case.id,
        status="under_investigation",
        changed_on="01.06.2024",
        user=as_actor("a"),
    )
    with pytest.raises(Conflict, match="before the last status change"):
        service.add_status_change(
            session, case_id=case.id, status="indicted", changed_on="01.01.2024", user=as_actor("a")
        )


def test_status_is_not_changed_through_update(session):
    case = _case(session)
    with pytest.raises(Conflict, match="status change"):
        service.update_record(
            session,
            record_type="case",
            record_id=case.id,
            data={"status": "indicted"},
            user=as_actor("a"),
        )


def test_link_records_is_idempotent_and_validated(session):
    case = _case(session)
    person = service.create_record(
        session,
        record_type="person",
        data={"jurisdiction": "XK", "given_name": "A"},
        user=as_actor("a"),
    )
    first = service.link_records(
        session,
        kind="involved_in",
        from_type="person",
        from_id=person.id,
        to_type="case",
        to_id=case.id,
        role="suspect",
        user=as_actor("a"),
    )
    second = service.link_records(
        session,
        kind="involved_in",
        from_type="person",
        from_id=person.id,
        to_type="case",
        to_id=case.id,
        role="accused",
        user=as_actor("a"),
    )
    assert first.id == second.id and second.role == "accused"
    links = session.execute(select(Link).where(Link.from_id == person.id)).scalars().all()
    assert len(links) == 1
    with pytest.raises(ValidationFailed, match="role"):
        service.link_records(
            session,
            kind="involved_in",
            from_type="person",
            from_id=person.id,
            to_type="case",
            to_id=case.id,
            role="bystander",
            user=as_actor("a"),
        )
    with pytest.raises(NotFound):
        service.link_records(
            session,
            kind="owner_of",
            from_type="person",
            from_id=person.id,
            to_type="firearm",
            to_id=999999,
            user=as_actor("a"),
        )


def test_links_to_namesake_references_of_two_services_stay_two_links(session):
    made = {}
    for jurisdiction in ("XK", "MK"):
        made[jurisdiction] = service.create_record(
            session,
            record_type="person",
            data={"jurisdiction": jurisdiction, "external_ref": "P-2", "given_name": "A"},
            user=as_actor("a"),
        )
    source = service.create_record(
        session,
        record_type="person",
        data={"jurisdiction": "XK", "external_ref": "P-1", "given_name": "B"},
        user=as_actor("a"),
    )
    links = [
        service.link_records(
            session,
            kind="same_as",
            from_type="person",
            from_id=source.id,
            to_type="person",
            to_id=made[j].id,
            user=as_actor("a"),
        )
        for j in ("XK", "MK")
    ]
    assert links[0].id != links[1].id and links[0].external_ref != links[1].external_ref
    assert {link.to_id for link in links} == {made["XK"].id, made["MK"].id}


def test_an_account_writes_only_its_own_jurisdiction_and_the_refusal_names_the_field(session):
    xk = Principal(id=7, username="xk-analyst", role="analyst", jurisdiction="XK")
    assert service.writable_jurisdictions(xk) == ["XK"]
    with pytest.raises(PermissionDenied) as info:
        service.create_record(
            session, record_type="place", data={"jurisdiction": "MK", "name": "Blace"}, user=xk
        )
    assert info.value.problems == [
        {"field": "jurisdiction", "value": "MK", "expected": "XK (the jurisdiction you write for)"}
    ]
    place = service.create_record(session, record_type="place", data={"name": "Blace"}, user=xk)
    assert place.jurisdiction == "XK"


def test_only_the_steps_after_the_current_status_are_allowed():
    assert service.allowed_statuses("referred_to_prosecution") == [
        "indicted",
        "convicted",
        "acquitted",
        "dismissed",
    ]
    assert service.allowed_statuses("convicted") == []
    assert "reported" not in service.allowed_statuses("indicted")
