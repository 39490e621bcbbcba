"""restrict(): jurisdiction, handling codes, case membership, grants, data-subject categories."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from armsbridge.auth import grants
from armsbridge.auth.models import AccessGrant
from armsbridge.auth.permissions import restrict
from armsbridge.auth.principal import Principal
from armsbridge.auth.service import create_user
from armsbridge.errors import PermissionDenied
from armsbridge.records import service as records
from armsbridge.records.models import Firearm, Person
from principals import as_actor


def _user(session, username: str, role: str = "analyst", jurisdiction: str = "XK") -> Principal:
    user = create_user(
        session, username=username, password="x" * 12, role=role, jurisdiction=jurisdiction
    ).user
    return Principal(id=user.id, username=username, role=role, jurisdiction=jurisdiction)


def _add(session, record_type: str, **data):
    data.setdefault("jurisdiction", "XK")
    return records.create_record(session, record_type=record_type, data=data, user=as_actor("t"))


def _ids(session, model, user, action="record.read") -> set[int]:
    return set(session.scalars(restrict(select(model.id), user, action, model=model)))


@pytest.fixture(autouse=True)
def _cheap(monkeypatch):
    from argon2 import PasswordHasher

    from armsbridge.auth import service

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


def test_jurisdiction_and_handling_code(session) -> None:
    ana, mk = _user(session, "ana"), _user(session, "mila", jurisdiction="MK")
    open_ = _add(session, "firearm", make="A")
    h1 = _add(session, "firearm", make="B", handling_code="H1")
    h3 = _add(session, "firearm", make="C", handling_code="H3")
    assert _ids(session, Firearm, ana) >= {open_.id, h1.id}
    assert h3.id not in _ids(session, Firearm, ana)
    assert not _ids(session, Firearm, mk) & {open_.id, h1.id, h3.id}


def test_grant_opens_one_record_until_it_expires(session) -> None:
    ana = _user(session, "ana")
    h2 = _add(session, "firearm", make="B", handling_code="H2")
    grant = grants.grant_record(
        session,
        record_type="firearm",
        record_id=h2.id,
        username="ana",
        reason="joint check",
        actor="root",
    )
    assert h2.id in _ids(session, Firearm, ana)
    grant.expires_on = date.today() - timedelta(days=1)
    session.flush()
    assert h2.id not in _ids(session, Firearm, ana)


def test_membership_opens_a_restricted_case_and_its_linked_h2_person(session) -> None:
    ana, bob = _user(session, "ana"), _user(session, "bob")
    case = _add(session, "case", reference="R-1", kind="trafficking", restricted=True)
    person = _add(session, "person", family_name="Berisha", handling_code="H2")
    records.link_records(
        session,
        kind="involved_in",
        from_type="person",
        from_id=person.id,
        to_type="case",
        to_id=case.id,
        role="suspect",
        user=as_actor("t"),
    )
    grants.add_case_member(session, case_id=case.id, username="ana", actor="root")
    from armsbridge.records.models import Case

    assert case.id in _ids(session, Case, ana) and case.id not in _ids(session, Case, bob)
    assert person.id in _ids(session, Person, ana)
    assert person.id not in _ids(session, Person, bob)


def test_membership_stays_within_the_jurisdiction(session) -> None:
    _user(session, "mila", jurisdiction="MK")
    case = _add(session, "case", reference="R-2", kind="trafficking")
    with pytest.raises(PermissionDenied):
        grants.add_case_member(session, case_id=case.id, username="mila", actor="root")


def test_border_officers_see_suspects_not_victims_or_witnesses(session) -> None:
    officer = _user(session, "bo", role="border_officer")
    case = _add(session, "case", reference="C", kind="trafficking")
    other = _add(session, "case", reference="D", kind="trafficking")
    victim = _add(session, "person", family_name="V")
    witness_and_suspect = _add(session, "person", family_name="W")
    unlinked = _add(session, "person", family_name="U")
    for person, role, target in (
        (victim, "victim", case),
        (witness_and_suspect, "witness", case),
        (witness_and_suspect, "suspect", other),
    ):
        records.link_records(
            session,
            kind="involved_in",
            from_type="person",
            from_id=person.id,
            to_type="case",
            to_id=target.id,
            role=role,
            user=as_actor("t"),
        )
    seen = _ids(session, Person, officer)
    assert victim.id not in seen
    assert {witness_and_suspect.id, unlinked.id} <= seen
    assert victim.id in _ids(session, Person, _user(session, "ana"))


@pytest.mark.parametrize("role", ["programme_officer", "auditor", "administrator"])
def test_roles_without_records_see_nothing(session, role) -> None:
    _add(session, "firearm", make="A")
    assert _ids(session, Firearm, _user(session, "u", role=role)) == set()


def test_write_needs_the_write_permission_of_the_type(session) -> None:
    officer = _user(session, "bo", role="border_officer")
    case = _add(session, "case", reference="C", kind="trafficking")
    from armsbridge.records.models import Case

    assert case.id in _ids(session, Case, officer)
    assert _ids(session, Case, officer, "record.update") == set()


def test_anonymous_sees_nothing(session) -> None:
    _add(session, "firearm", make="A")
    assert _ids(session, Firearm, None) == set()


def test_reused_conditions_see_later_grants_and_memberships_and_the_day(
    session, monkeypatch
) -> None:
    from armsbridge.auth import permissions
    from armsbridge.records.models import Case

    ana = _user(session, "ana")
    h2 = _add(session, "firearm", make="B", handling_code="H2")
    case = _add(session, "case", reference="R-9", kind="trafficking", restricted=True)
    assert h2.id not in _ids(session, Firearm, ana) and case.id not in _ids(session, Case, ana)
    built = permissions._row_conditions.cache_info().misses
    grants.grant_record(
        session, record_type="firearm", record_id=h2.id, username="ana", reason="r", actor="root"
    )
    grants.add_case_member(session, case_id=case.id, username="ana", actor="root")
    session.flush()
    # The same conditions (built once per user, type and day) now let the new access through.
    assert h2.id in _ids(session, Firearm, ana) and case.id in _ids(session, Case, ana)
    assert permissions._row_conditions.cache_info().misses == built
    # Another user of the same role gets conditions of their own.
    assert h2.id not in _ids(session, Firearm, _user(session, "bob"))
    # A grant that ends today is gone tomorrow, although the conditions were built today.
    session.execute(
        AccessGrant.__table__.update().values(expires_on=date.today())  # type: ignore[attr-defined]
    )
    tomorrow = date.today() + timedelta(days=1)

    class Tomorrow(date):
        @classmethod
        def today(cls) -> date:
            return tomorrow

    monkeypatch.setattr(permissions, "date", Tomorrow)
    assert h2.id not in _ids(session, Firearm, ana)


def test_an_unknown_action_is_a_programming_error_not_a_pass(session) -> None:
    ana = _user(session, "ana")
    _add(session, "firearm", make="A")
    for who in (ana, None):
        with pytest.raises(ValueError, match="unknown action 'records.everything'"):
            restrict(select(Firearm.id), who, "records.everything", model=Firearm)


def test_declared_write_modes_check_the_writable_record_types(session) -> None:
    ana, auditor = _user(session, "ana"), _user(session, "aud", role="auditor")
    gun = _add(session, "firearm", make="A")
    for mode in ("write", "create", "update", "record.create", "record.update"):
        assert gun.id in _ids(session, Firearm, ana, mode), mode
        assert _ids(session, Firearm, auditor, mode) == set(), mode
    # A roles.yaml action the role lacks still refuses, a read action of another area too.
    assert _ids(session, Firearm, auditor, "record.read") == set()
    assert _ids(session, Firearm, ana, "audit.read") == set()
