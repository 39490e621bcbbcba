"""records.selection and records.saved_searches on each store: changes to many, searches kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from armsbridge.auth import service as auth_service
from armsbridge.auth.principal import principal_of
from armsbridge.errors import NotFound, PermissionDenied, ValidationFailed
from armsbridge.records import list_rows, saved_searches, selection, service
from armsbridge.records.listing import query_of
from armsbridge.records.models import Link
from principals import as_actor


def _make(session, record_type: str, jurisdiction: str = "XK", **data):
    made = service.create_record(
        session,
        record_type=record_type,
        data={"jurisdiction": jurisdiction, **data},
        user=as_actor("a", jurisdiction),
    )
    session.flush()
    return made


@pytest.fixture
def analyst(session):
    user = auth_service.create_user(
        session,
        username="sel",
        password="a long enough passphrase 1",
        role="analyst",
        jurisdiction="XK",
    )
    session.flush()
    return principal_of(user.user, via="session")


def test_a_firearm_in_a_case_by_column_and_by_link_is_counted_once(session, analyst) -> None:
    case = _make(session, "case", reference="SEL-1", kind="trafficking")
    by_column = _make(session, "firearm", make="Glock", kind="pistol")
    by_column.case_id = case.id
    both = _make(session, "firearm", make="CZ", kind="pistol")
    both.case_id = case.id
    linked = _make(session, "firearm", make="Colt", kind="revolver")
    _make(session, "firearm", make="Zastava", kind="rifle")  # in no case
    session.flush()
    found = selection.find_case(session, user=analyst, reference=" sel-1 ")
    assert found.id == case.id
    changed = selection.assign_to_case(
        session, user=analyst, record_type="firearm", ids=[both.id, linked.id], case=case
    )
    assert changed == 2
    again = selection.assign_to_case(
        session, user=analyst, record_type="firearm", ids=[both.id, linked.id], case=case
    )
    assert again == 0  # already in the case: nothing new, no second link
    query = query_of("firearm", {"case": str(case.id)})
    rows = list_rows.page_of(session, query, analyst)
    assert sorted(r.id for r in rows) == sorted([by_column.id, both.id, linked.id])
    facet = next(f for f in list_rows.facets(session, query, analyst) if f.name == "case")
    assert (str(case.id), "SEL-1", 3) in facet.options


def test_the_handling_code_of_many_changes_for_all_or_the_refused_one_is_named(
    session, analyst
) -> None:
    mine = [_make(session, "firearm", make="Glock").id for _ in range(2)]
    theirs = _make(session, "firearm", "MK", make="Zastava").id
    assert (
        selection.set_handling_code(
            session, user=analyst, record_type="firearm", ids=mine, code="H1"
        )
        == 2
    )
    with pytest.raises((NotFound, PermissionDenied), match=rf"^firearm {theirs}\b"):
        selection.set_handling_code(
            session, user=analyst, record_type="firearm", ids=[theirs], code="H2"
        )
    with pytest.raises(ValidationFailed, match="handling_code"):
        selection.set_handling_code(
            session, user=analyst, record_type="firearm", ids=mine, code="H9"
        )


def test_a_case_the_user_may_not_read_is_not_found(session, analyst) -> None:
    _make(session, "case", "MK", reference="MK-SECRET", kind="trafficking")
    with pytest.raises(ValidationFailed, match="no case 'MK-SECRET' that you may read"):
        selection.find_case(session, user=analyst, reference="MK-SECRET")


def test_saved_searches_replace_by_name_and_stop_at_their_limit(session, analyst) -> None:
    query = query_of("firearm", {"kind": "pistol", "page": "3", "why": "x"})
    first = saved_searches.save_search(session, user=analyst, query=query, name="Pistols")
    assert first.query == "kind=pistol"  # neither its page nor the reason given for it
    for n in range(saved_searches.MAX_PER_LIST - 1):
        saved_searches.save_search(session, user=analyst, query=query, name=f"s{n}")
    saved_searches.save_search(session, user=analyst, query=query, name="PISTOLS")  # replaces
    with pytest.raises(ValidationFailed, match="at most 50"):
        saved_searches.save_search(session, user=analyst, query=query, name="one too many")
    mine = saved_searches.saved_searches(session, user=analyst, record_type="firearm")
    assert len(mine) == saved_searches.MAX_PER_LIST and mine[0].name == "PISTOLS"
    assert saved_searches.saved_searches(session, user=analyst, record_type="person") == []


def test_a_record_linked_to_the_case_the_other_way_round_is_left_as_it_is(session, analyst) -> None:
    case = _make(session, "case", reference="SEL-2", kind="trafficking")
    person = _make(session, "person", given_name="Arben", family_name="Gashi")
    service.link_records(
        session,
        kind="involved_in",
        from_type="case",
        from_id=case.id,
        to_type="person",
        to_id=person.id,
        user=as_actor("a"),
    )
    changed = selection.assign_to_case(
        session, user=analyst, record_type="person", ids=[person.id], case=case
    )
    assert changed == 0
    links = session.scalars(
        select(Link).where(Link.kind == "involved_in", Link.to_id.in_([case.id, person.id]))
    ).all()
    assert len(links) == 1  # no second link written the other way
