"""The search service on both stores: scripts and spellings, serials, plates, phones, restrict()."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.principal import Principal
from armsbridge.records import search
from armsbridge.records import service as records
from armsbridge.records.bulk import bulk_write
from armsbridge.records.models import PersonNameWord
from armsbridge.records.validation import prepare_values
from principals import as_actor

ANALYST_MK = Principal(id=990001, username="t-analyst", role="analyst", jurisdiction="MK")
BORDER_MK = Principal(id=990002, username="t-border", role="border_officer", jurisdiction="MK")


def _person(session, jurisdiction: str, given: str, family: str):
    data = {"jurisdiction": jurisdiction, "given_name": given, "family_name": family}
    return records.create_record(session, record_type="person", data=data, user=as_actor("test"))


def _ids(rows) -> list[int]:
    return [r.id for r in rows]


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        (("Џафер", "Бајрами"), "Xhafer Bajrami"),
        (("Ѓорѓи", "Петровски"), "Gjorgji Petrovski"),
        (("Ѓорѓи", "Петровски"), "Petrovski Gjorgji"),
        (("Марија", "Петровска"), "Marija Petrovski"),
        (("Đorđe", "Đorđević"), "Djordje Djordjevic"),
        (("Jovan", "Jovanović"), "Јован Јовановиќ"),
        (("Xhafer", "Bajrami"), "Џафер Бајрами"),
        (("Xhafer", "Bajrami"), "Bajr"),
        (("Билјана", "Јовановски"), "Biljana Jovanovski"),
        (("Биљана", "Јовановски"), "Biljana Jovanovski"),
        (("Biljana", "Krasniqi"), "Билјана Красниќи"),
        (("Сонја", "Петровска"), "Sonja Petrovska"),
        (("Трајче", "Ѕвездановски"), "Trajçe Xvezdanovski"),
        # One word matching a later word of the key (a late letter; a key letter, S, typed s).
        (("Ana", "Zymberi"), "Zymberi"),
        (("Arben", "Sala"), "Shala"),
    ],
)
def test_person_is_found_across_scripts_and_spellings(session, stored, query) -> None:
    person = _person(session, "MK", *stored)
    assert person.id in _ids(search.search_persons(session, user=ANALYST_MK, query=query))


def test_other_jurisdiction_is_never_found(session) -> None:
    _person(session, "XK", "Xhafer", "Bajrami")
    assert search.search_persons(session, user=ANALYST_MK, query="Xhafer Bajrami") == []


def test_person_search_needs_a_justification_and_is_logged(session) -> None:
    person = _person(session, "MK", "Џафер", "Бајрами")
    unjustified = search.search(session, user=ANALYST_MK, query="Xhafer Bajrami")
    assert unjustified.persons is None and unjustified.needs_justification
    justified = search.search(session, user=ANALYST_MK, query="Xhafer Bajrami", why="MK-14/26")
    assert _ids(justified.persons) == [person.id]
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "search").order_by(AuditEntry.seq.desc())
    ).first()
    assert (entry.why, entry.details["ids"]) == ("MK-14/26", [person.id])


def test_serial_plate_and_phone(session) -> None:
    def make(record_type: str, **data):
        data["jurisdiction"] = "MK"
        return records.create_record(
            session, record_type=record_type, data=data, user=as_actor("test")
        )

    firearm = make("firearm", serial_raw="ТК 7245-11", make="Zoraki")
    vehicle = make("vehicle", plate_raw="SK 1234 АВ")
    phone = make("phone", number_raw="070 123 456")
    user = ANALYST_MK
    assert _ids(search.search_firearms(session, user=user, query="TK724511")) == [firearm.id]
    assert firearm.id in _ids(search.search_firearms(session, user=user, query="7245"))
    assert firearm.id in _ids(search.search_firearms(session, user=user, query="TK7?45*"))
    assert _ids(search.search_vehicles(session, user=user, query="sk1234ab")) == [vehicle.id]
    assert _ids(search.search_phones(session, user=user, query="+389 70 123 456")) == [phone.id]


def test_classify() -> None:
    assert search.classify("Xhafer Bajrami") == ["person"]
    assert search.classify("TK 7245-11") == ["serial", "plate"]
    assert search.classify("+383 44 123 456") == ["serial", "plate", "phone"]
    assert search.classify("") == []


def test_border_officer_does_not_find_victims(session) -> None:
    victim = _person(session, "MK", "Ана", "Петровска")
    case = records.create_record(
        session,
        record_type="case",
        data={"jurisdiction": "MK", "reference": "MK-1", "kind": "trafficking"},
        user=as_actor("test"),
    )
    records.link_records(
        session,
        kind="involved_in",
        from_type="person",
        from_id=victim.id,
        to_type="case",
        to_id=case.id,
        role="victim",
        user=as_actor("test"),
    )
    query = "Ana Petrovska"
    assert victim.id in _ids(search.search_persons(session, user=ANALYST_MK, query=query))
    assert victim.id not in _ids(search.search_persons(session, user=BORDER_MK, query=query))


def _words(session, person_id: int) -> list[str]:
    stmt = select(PersonNameWord.word).where(PersonNameWord.person_id == person_id)
    return sorted(session.scalars(stmt))


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        (("Arben", "Krasniqi"), "Красниќи"),
        (("Арбен", "Красниќи"), "Krasniqi"),
        (("Arben", "Krasniqi"), "krasn"),
        (("Марија", "Петровска"), "Petrovski"),
        (("Љубица", "Јовановска"), "Ljubica"),
        (("Трајче", "Ѕвездановски"), "Xvezdanovski"),
    ],
)
def test_one_word_finds_any_word_of_the_name(session, stored, query) -> None:
    person = _person(session, "MK", *stored)
    assert person.id in _ids(search.search_persons(session, user=ANALYST_MK, query=query))


def test_every_word_must_match_the_same_person(session) -> None:
    _person(session, "MK", "Џафер", "Бајрами")
    _person(session, "MK", "Ѓорѓи", "Петровски")
    assert search.search_persons(session, user=ANALYST_MK, query="Xhafer Petrovski") == []
    assert search.search_persons(session, user=ANALYST_MK, query="Zzyzx") == []


def test_name_words_follow_every_write(session) -> None:
    person = _person(session, "MK", "Џафер", "Бајрами")
    assert _words(session, person.id) == ["bajrami", "jafer"]
    records.update_record(
        session,
        record_type="person",
        record_id=person.id,
        data={"family_name": "Гаши"},
        user=as_actor("t"),
    )
    assert _words(session, person.id) == ["gasi", "jafer"]
    assert search.search_persons(session, user=ANALYST_MK, query="Bajrami") == []
    assert _ids(search.search_persons(session, user=ANALYST_MK, query="Gashi")) == [person.id]
    change = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_type == "person", AuditEntry.action == "change")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert set(change.after) == {"family_name", "name_key"}  # the words are not a record
    session.delete(person)
    session.flush()
    assert _words(session, person.id) == []  # removed with the person (foreign key cascade)


def test_bulk_writes_keep_the_name_words(session) -> None:
    rows = [
        prepare_values("person", {"jurisdiction": "MK", "external_ref": ref, **names})
        for ref, names in [
            ("b1", {"given_name": "Арбен", "family_name": "Красниќи"}),
            ("b2", {"given_name": "Ana"}),
            ("b3", {"birth_date": "1980"}),
        ]
    ]
    ids = bulk_write(session, record_type="person", inserts=rows, updates=[], user=as_actor("t"))
    first, second = ids[("MK", "b1")], ids[("MK", "b2")]
    assert _words(session, first) == ["arben", "krasnici"]
    assert _words(session, ids[("MK", "b3")]) == []
    found = _ids(search.search_persons(session, user=ANALYST_MK, query="Krasniqi"))
    assert found == [first]
    update = {
        "id": second,
        **prepare_values(
            "person", {"family_name": "Berisha"}, partial=True, current={"given_name": "Ana"}
        ),
    }
    bulk_write(session, record_type="person", inserts=[], updates=[update], user=as_actor("t"))
    assert _words(session, second) == ["ana", "berisa"]
    assert _ids(search.search_persons(session, user=ANALYST_MK, query="Berisha Ana")) == [second]


def test_persons_come_in_pages_without_gaps_or_repeats(session) -> None:
    people = {_person(session, "MK", f"Arben{chr(97 + i)}", "Krasniqi").id for i in range(25)}
    first = search.search(
        session, user=ANALYST_MK, query="Krasniqi", why="case 1", log=False, persons_page=(0, 20)
    )
    second = search.search(
        session, user=ANALYST_MK, query="Красниќи", why="case 1", log=False, persons_page=(20, 20)
    )
    assert len(first.persons) == 20 and first.persons_more
    assert len(second.persons) == 5 and not second.persons_more
    assert set(_ids(first.persons)) | set(_ids(second.persons)) == people
    assert not set(_ids(first.persons)) & set(_ids(second.persons))
