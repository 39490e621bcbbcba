"""The hit/no-hit set: each kind's keys across scripts, and a refresh that follows the records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hit_factories import add, add_document
from sqlalchemy import select

from armsbridge.errors import ValidationFailed
from armsbridge.exchange.hit_models import HitKey
from armsbridge.exchange.hitset import (
    SERIAL_ALPHABET,
    document_keys,
    opaque_ref,
    person_keys,
    phone_keys,
    plate_keys,
    query_items,
    refresh_hitset,
    refresh_if_due,
    serial_keys,
    vin_keys,
)
from armsbridge.exchange.psi import current_epoch, item_digest
from armsbridge.names.keys import person_name_key
from armsbridge.records import service
from armsbridge.settings import Settings
from principals import as_actor

# (Kosovo spelling, Macedonian spelling) of one person, from DOMAIN.md §2.
SAME_PERSON = [
    (("Xhafer", "Bajrami"), ("Џафер", "Бајрами")),
    (("Gjorgji", "Petrovski"), ("Ѓорѓи", "Петровски")),
    (("Gjorgji", "Petrovska"), ("Ѓорѓи", "Петровски")),  # -ska/-ski fold to one key
    (("Đorđe", "Jovanović"), ("Ђорђе", "Јовановиќ")),
    (("Gjorgje", "Jovanoviq"), ("Ѓорѓе", "Јовановиќ")),
    (("Djordje", "Jovanovic"), ("Ђорђе", "Јовановиќ")),
    (("Bajrami", "Xhafer"), ("Џафер", "Бајрами")),  # family name first
]
OTHER_PERSON = [
    (("Xhafer", "Bajrami"), ("Џафер", "Бериша")),
    (("Gjorgji", "Petrovski"), ("Горан", "Петровски")),
    (("Agim", "Çelik"), ("Агим", "Челиков")),
]


def _person(given_family: tuple[str, str], birth: str) -> list[str]:
    return person_keys(person_name_key(*given_family), birth)


@pytest.mark.parametrize(("xk", "mk"), SAME_PERSON)
def test_one_person_written_in_both_scripts_has_the_same_keys(xk, mk):
    assert set(_person(xk, "1986")) == set(_person(mk, "1986"))
    assert set(_person(xk, "14.03.1986")) == set(_person(mk, "1986-03-14"))


@pytest.mark.parametrize(("xk", "mk"), OTHER_PERSON)
def test_different_people_share_no_key(xk, mk):
    assert not set(_person(xk, "1986")) & set(_person(mk, "1986"))


def test_year_key_joins_a_full_date_and_a_year_but_other_years_do_not():
    dated = set(_person(("Xhafer", "Bajrami"), "14.03.1986"))
    assert set(_person(("Џафер", "Бајрами"), "1986")) <= dated
    assert not set(_person(("Џафер", "Бајрами"), "1987")) & dated
    with pytest.raises(ValidationFailed, match="14/03/86"):
        person_keys("Jafer bajrami", "14/03/86")


def test_serial_keys_fold_cyrillic_and_misreads_and_carry_the_make():
    assert serial_keys("К7245-21", "Застава") == serial_keys("k7245 2I", "Zastava")
    assert serial_keys("K724521") == ["serial:K724521"]
    assert serial_keys("K724521", "CZ") != serial_keys("K724521", "Glock")
    assert serial_keys("K7?4521") == []  # a record's partial serial points at no one gun
    assert serial_keys("K72") == [] and serial_keys("K72", "CZ") == ["serial:cz:K72"]


def test_other_kinds_normalise_the_way_both_services_write_them():
    assert plate_keys("01-234-АВ") == plate_keys("01 234 AB")
    assert vin_keys("wvwzzz1jzxw0000I1") == vin_keys("WVWZZZ1JZXW000011")
    assert phone_keys("044 123 456", "XK") == phone_keys("+383 44 123 456")
    assert phone_keys("+383 44 123 456") == ["phone:+38344123456"]
    assert phone_keys("070 123 456", "MK") == ["phone:+38970123456"]
    assert document_keys("p 0123-456", "passport") == [
        "document:P0123456",
        "document:passport:P0123456",
    ]


def test_a_partial_serial_asks_each_completion_within_the_bound():
    items = query_items("serial", "K7?4?21", settings=Settings(hit_partial_serial_max=1000))
    assert len(items) == len(SERIAL_ALPHABET) ** 2
    assert "serial:K724521" in {i.key for i in items}
    with pytest.raises(ValidationFailed, match="900 completions, more than the limit of 100"):
        query_items("serial", "K7?4?21", settings=Settings(hit_partial_serial_max=100))
    with pytest.raises(ValidationFailed, match=r"'\*'"):
        query_items("serial", "K7*21")


def test_query_items_refuse_what_cannot_be_searched_with_a_message():
    with pytest.raises(ValidationFailed, match="birth date or year"):
        query_items("person", "Xhafer Bajrami")
    with pytest.raises(ValidationFailed, match="one of serial, plate"):
        query_items("shoe", "42")
    with pytest.raises(ValidationFailed, match="nothing to search"):
        query_items("plate", "--")


def _rows(session, record_type=None):
    stmt = select(HitKey.record_type, HitKey.record_id, HitKey.digest, HitKey.kind, HitKey.ref)
    if record_type:
        stmt = stmt.where(HitKey.record_type == record_type)
    return set(session.execute(stmt).all())


def test_refresh_puts_each_kind_of_the_node_and_only_its_own(session, node_keys):
    gun = add(session, "firearm", serial_raw="K724521", make="Zastava")
    car = add(session, "vehicle", plate_raw="01-234-AB", vin="WVWZZZ1JZXW000011")
    tel = add(session, "phone", number_raw="044 123 456")
    who = add(
        session, "person", given_name="Xhafer", family_name="Bajrami", birth_date="1986-03-14"
    )
    add_document(session, who, "P0123456", "passport")
    add(session, "phone", jurisdiction="MK", number_raw="070 123 456")
    report = refresh_hitset(session, jurisdiction="XK")
    rows = _rows(session)
    keys = {(rt, rid, dg) for rt, rid, dg, _, _ in rows}
    expected = {
        ("firearm", gun.id, "serial:K724521"),
        ("firearm", gun.id, "serial:zastava:K724521"),
        ("vehicle", car.id, "plate:01234A8"),
        ("vehicle", car.id, "vin:WVWZZZ1JZXW000011"),
        ("phone", tel.id, "phone:+38344123456"),
        ("person", who.id, "person:Jafer bajrami:1986-03-14"),
        ("person", who.id, "person:Jafer bajrami:1986"),
        ("person", who.id, "document:P0123456"),
        ("person", who.id, "document:passport:P0123456"),
    }
    assert keys == {(rt, rid, item_digest(k)) for rt, rid, k in expected}
    assert report.added == len(expected) and report.records == 4
    refs = {ref for *_, ref in rows}
    assert str(gun.id) not in refs and all(r.startswith("h") and len(r) == 17 for r in refs)
    assert {r for rt, rid, *_, r in rows if rt == "firearm"} == {opaque_ref("firearm", gun.id)}


def test_refresh_follows_new_changed_and_erased_records_without_resealing(session):
    gun = add(session, "firearm", serial_raw="K724521")
    add(session, "vehicle", plate_raw="01-234-AB")
    refresh_hitset(session, jurisdiction="XK")
    car_row = session.scalars(select(HitKey).where(HitKey.record_type == "vehicle")).one()
    sealed_before = (car_row.id, car_row.enc)

    seizure = add(session, "firearm", serial_raw="M70AB 998877")
    service.update_record(
        session,
        record_type="firearm",
        record_id=gun.id,
        data={"serial_raw": "K724599"},
        user=as_actor("officer"),
    )
    report = refresh_hitset(session, jurisdiction="XK")
    digests = {dg for rt, rid, dg, *_ in _rows(session, "firearm")}
    assert item_digest("serial:M70A8998877") in digests  # the new seizure is findable
    assert item_digest("serial:K724599") in digests
    assert item_digest("serial:K724521") not in digests  # the old serial no longer hits
    assert report.added == 2 and report.removed == 1
    car_row = session.scalars(select(HitKey).where(HitKey.record_type == "vehicle")).one()
    assert (car_row.id, car_row.enc) == sealed_before  # an unchanged record is not sealed again

    service.delete_record(
        session, record_type="firearm", record_id=seizure.id, user=as_actor("officer")
    )
    refresh_hitset(session, jurisdiction="XK")
    assert item_digest("serial:M70A8998877") not in {dg for _, _, dg, *_ in _rows(session)}


def test_a_document_added_later_joins_the_set_and_only_the_nodes_own(session):
    who = add(session, "person", given_name="Agim", family_name="Çelik", birth_date="1990")
    other = add(session, "person", "MK", given_name="Агим", family_name="Челик", birth_date="1990")
    refresh_hitset(session, jurisdiction="XK")
    add_document(session, who, "AB998877")
    add_document(session, other, "MK112233")
    refresh_hitset(session, jurisdiction="XK")
    assert {rid for _, rid, *_ in _rows(session)} == {who.id}
    digests = {dg for _, _, dg, *_ in _rows(session)}
    assert item_digest("document:id_card:A8998877") in digests  # B read as 8, as in serials


def test_the_worker_refreshes_at_most_every_hit_refresh_seconds(session, node_keys):
    every = node_keys.model_copy(update={"hit_refresh_seconds": 30})
    start = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert refresh_if_due(session, settings=every, now=start) is not None
    add(session, "phone", number_raw="044 777 888")
    assert refresh_if_due(session, settings=every, now=start + timedelta(seconds=10)) is None
    report = refresh_if_due(session, settings=every, now=start + timedelta(seconds=31))
    assert report is not None and report.added == 1


def test_keys_sealed_under_an_earlier_psi_key_are_sealed_again_as_new_rows(session):
    add(session, "phone", number_raw="044 123 456")
    add(session, "phone", number_raw="044 123 457")
    refresh_hitset(session, jurisdiction="XK")
    rows = session.scalars(select(HitKey).order_by(HitKey.id)).all()
    good = {r.digest: r.enc for r in rows}
    top = rows[-1].id
    for row in rows:  # as if psi.key had been replaced since they were sealed
        row.epoch, row.enc = "0" * 16, b"\x02" + b"\x00" * 32
    session.flush()
    report = refresh_hitset(session, jurisdiction="XK", batch=1)
    assert report.resealed == 1  # a bounded batch per refresh: the set stays answerable
    refresh_hitset(session, jurisdiction="XK", batch=1)
    session.expire_all()
    rows = session.scalars(select(HitKey)).all()
    assert {r.digest: r.enc for r in rows} == good
    assert {r.epoch for r in rows} == {current_epoch()} and min(r.id for r in rows) > top


def test_records_unchanged_since_the_last_refresh_are_not_read_again(session):
    for i in range(4):
        add(session, "phone", number_raw=f"044 123 45{i}")
    later = datetime.now(UTC) + timedelta(minutes=3)
    assert refresh_hitset(session, jurisdiction="XK", now=later).records == 4
    again = refresh_hitset(session, jurisdiction="XK", now=later + timedelta(minutes=1))
    assert (again.records, again.added, again.removed) == (0, 0, 0)


def test_an_online_accounts_handle_joins_the_set_as_typed_or_linked(session):
    account = add(session, "online_account", platform="telegram", handle="TT_Shitesi")
    add(session, "online_account", jurisdiction="MK", platform="other", handle="mk_seller")
    refresh_hitset(session, jurisdiction="XK")
    keys = {(rt, rid, dg) for rt, rid, dg, _, _ in _rows(session) if rt == "online_account"}
    assert keys == {("online_account", account.id, item_digest("handle:tt_shitesi"))}
    for typed in ("@TT_Shitesi", "https://t.me/tt_shitesi", "tt_shitesi"):
        assert [i.key for i in query_items("handle", typed)] == ["handle:tt_shitesi"]
    with pytest.raises(ValidationFailed):
        query_items("handle", "@")
