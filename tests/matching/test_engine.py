"""The engine on small hand-built data: the same person across scripts matches, others do not."""

from __future__ import annotations

import copy
import json

import pytest

from armsbridge.matching import comparisons as cmp
from armsbridge.matching.config import duckdb_connection
from armsbridge.matching.counted import count_namesake_u, merge_namesake_m
from armsbridge.matching.engine import (
    MIN_M_DIFFERENT,
    evidence,
    floor_disagreement,
    link_tables,
)
from armsbridge.matching.prepare import item_key, prepare_persons, serial_pattern, table_from_rows
from armsbridge.matching.priors import apply_priors

MK = [
    {
        "unique_id": "mk1",
        "given_name": "Џафер",
        "family_name": "Бајрами",
        "father_name": "Рамадан",
        "birth_date": "1986",
        "birth_place": "Тетово",
    },
    {
        "unique_id": "mk2",
        "given_name": "Ѓорѓи",
        "family_name": "Петровски",
        "father_name": "Трајко",
        "birth_date": "1979-05-02",
    },
    {
        "unique_id": "mk3",
        "given_name": "Елена",
        "family_name": "Петровска",
        "father_name": "Трајко",
        "birth_date": "1983-11-20",
    },
    {
        "unique_id": "mk4",
        "given_name": "Арбен",
        "family_name": "Красниќи",
        "father_name": "Агим",
        "birth_date": "1990-01-01",
    },
]
XK = [
    {
        "unique_id": "xk1",
        "given_name": "Xhafer",
        "family_name": "Bajrami",
        "father_name": "i biri i Ramadanit",
        "birth_date": "1986-03",
        "birth_place": "Tetovë",
    },
    # inverted order, Albanian spelling of a Macedonian name
    {
        "unique_id": "xk2",
        "given_name": "Petrovski",
        "family_name": "Gjorgji",
        "father_name": "Trajko",
        "birth_date": "1979-05-02",
    },
    {
        "unique_id": "xk3",
        "given_name": "Elena",
        "family_name": "Petrovski",
        "father_name": "Trajko",
        "birth_date": "1983-11-20",
    },
    # same name as mk4, different father and birth: a different man
    {
        "unique_id": "xk4",
        "given_name": "Arben",
        "family_name": "Krasniqi",
        "father_name": "Besim",
        "birth_date": "1971-07-09",
    },
    # same family and father as mk1, different given name and year: his brother
    {
        "unique_id": "xk5",
        "given_name": "Bekim",
        "family_name": "Bajrami",
        "father_name": "Ramadan",
        "birth_date": "1988",
    },
]


def _link(left, right, entity="person"):  # noqa: ANN001, ANN202
    con = duckdb_connection()
    table_from_rows(con, "mk", entity, left)
    table_from_rows(con, "xk", entity, right)
    return con, link_tables(con, entity, ["mk", "xk"])


def test_same_people_across_scripts_match_and_others_do_not() -> None:
    _, result = _link(MK, XK)
    matched = {(a, b) for a, b, p in result.pairs(0.5)}
    assert matched == {("mk1", "xk1"), ("mk2", "xk2"), ("mk3", "xk3")}


def test_pairs_come_in_input_order_best_first() -> None:
    _, result = _link(MK, XK)
    pairs = result.pairs(0.0)
    assert all(a.startswith("mk") and b.startswith("xk") for a, b, _ in pairs)
    probs = [p for _, _, p in pairs]
    assert probs == sorted(probs, reverse=True)


def test_evidence_names_the_levels_that_agreed() -> None:
    con, result = _link(MK, XK)
    cur = con.execute(
        f"SELECT * FROM {result.predictions} WHERE unique_id_l IN ('mk1', 'xk1') "
        "AND unique_id_r IN ('mk1', 'xk1')"
    )
    row = dict(zip([d[0] for d in cur.description], cur.fetchall()[0], strict=True))
    ev = {e["comparison"]: e for e in evidence(result.model, row)}
    assert ev["name"]["level"] == "same name key" and ev["name"]["match_weight"] > 5
    assert ev["father_name"]["level"] == "same key, names agree"
    assert ev["birth_date"]["level"] == "same year, month unknown on one side"
    assert ev["birth_place"]["agrees"]


def test_model_is_saved_as_json_with_its_version() -> None:
    _, result = _link(MK, XK)
    text = json.dumps(result.model)
    again = json.loads(text)
    assert again["armsbridge"]["model_version"]
    assert {c["output_column_name"] for c in again["comparisons"]} >= {"name", "birth_date"}


def test_reproducible() -> None:
    _, a = _link(MK, XK)
    _, b = _link(MK, XK)
    assert a.pairs(0.0) == b.pairs(0.0)


def test_partial_serial_pattern_keeps_unknown_positions() -> None:
    assert serial_pattern("K72?5") == "K72?5"
    assert serial_pattern("k-72 45") == serial_pattern("К7245")
    assert serial_pattern("A0I5") == serial_pattern("AO15")


def test_firearms_with_misread_and_partial_serials_match() -> None:
    left = [
        {
            "unique_id": "f1",
            "serial": "ZK-10O234",
            "make": "Zoraki",
            "model": "914",
            "calibre": "9mm PAK",
        },
        {
            "unique_id": "f2",
            "serial": "M70-44**1",
            "make": "Zastava",
            "model": "M70",
            "calibre": "7.62x39",
        },
        {"unique_id": "f3", "serial": "551203", "make": "CZ", "model": "99", "calibre": "9x19"},
    ]
    right = [
        {
            "unique_id": "g1",
            "serial": "ZK100234",
            "make": "ZORAKI",
            "model": "914",
            "calibre": "9mm PAK",
        },
        {
            "unique_id": "g2",
            "serial": "M7044701",
            "make": "Zastava",
            "model": "M70",
            "calibre": "7.62x39",
        },
        {
            "unique_id": "g3",
            "serial": "M7044702",
            "make": "Zastava",
            "model": "M70AB2",
            "calibre": "7.62x39",
        },
        {"unique_id": "g4", "serial": "998812", "make": "CZ", "model": "99", "calibre": "9x19"},
    ]
    _, result = _link(left, right, "firearm")
    best = {}
    for a, b, _p in result.pairs(0.5):
        best.setdefault(a, b)
    assert best.get("f1") == "g1"
    assert best.get("f2") in {"g2", "g3"}
    assert "f3" not in best


def test_vehicles_with_cyrillic_lookalike_plates_match() -> None:
    left = [
        {"unique_id": "v1", "plate": "SK 1234 AB", "make": "VW", "model": "Golf"},
        {"unique_id": "v2", "plate": "01-234-KA", "make": "Audi", "model": "A4"},
    ]
    right = [
        {"unique_id": "w1", "plate": "ЅК-1234-АВ", "make": "Volkswagen", "model": "Golf"},
        {"unique_id": "w2", "plate": "01-999-KA", "make": "Audi", "model": "A4"},
    ]
    _, result = _link(left, right, "vehicle")
    matched = {(a, b) for a, b, _ in result.pairs(0.5)}
    assert ("v1", "w1") in matched
    assert ("v2", "w2") not in matched


def _evidence_of(
    left: list[dict], right: list[dict], comparison: str
) -> dict[frozenset[str], dict]:
    """Link two lists of persons; return one comparison's evidence for every scored pair."""
    con, result = _link(left, right)
    cur = con.execute(f"SELECT * FROM {result.predictions}")
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, v, strict=True)) for v in cur.fetchall()]
    return {
        frozenset((r["unique_id_l"], r["unique_id_r"])): next(
            e for e in evidence(result.model, r) if e["comparison"] == comparison
        )
        for r in rows
    }


def test_any_shared_phone_counts_and_local_numbers_are_read() -> None:
    left = [
        {"unique_id": "m1", "given_name": "Агрон", "family_name": "Гаши", "phone": "+38344123456"},
        {"unique_id": "m2", "given_name": "Агрон", "family_name": "Гаши", "phone": "+38970999888"},
    ]
    right = [
        # Two numbers; the second is the first left record's, written as dialled in Kosovo.
        {
            "unique_id": "x1",
            "given_name": "Agron",
            "family_name": "Gashi",
            "phone": "+38971222333; 044 123 456",
        },
    ]
    phone = _evidence_of(left, right, "phone")
    assert phone[frozenset(("m1", "x1"))]["level"] == "same phone number"
    assert phone[frozenset(("m1", "x1"))]["agrees"]
    assert phone[frozenset(("m2", "x1"))]["level"] == "different"


def test_item_keys_join_one_gun_or_car_however_it_was_written() -> None:
    assert item_key("serial", "BK13-866818") == item_key("serial", "ВК13 866818")
    assert item_key("serial", "*6RD39245*") == item_key("serial", "6RD39245")
    assert item_key("plate", "SK 123 AB") == item_key("plate", "SК-123-АВ")  # Cyrillic К А В
    assert item_key("vin", "WVWZZZ1JZXW000001") == item_key("vin", "wvwzzz1jzxw0oooo1")
    # A partly read or very short serial fits many guns: it ties nobody together.
    assert item_key("serial", "BK13-86?818") is None
    assert item_key("serial", "123") is None
    assert item_key("serial", "") is None and item_key("plate", None) is None


def _namesake_world(con, n: int = 40):  # noqa: ANN001, ANN202
    """Two sides of n records each with one common name: half born in one town, half in another."""
    for side in ("l", "r"):
        con.execute(
            f"CREATE TABLE {side} AS SELECT 'arben krasnici' AS np, "
            "CASE WHEN i % 2 = 0 THEN 'tetovo' ELSE 'prizren' END AS bpk, 'M' AS sex, "
            f"CASE WHEN i % 4 = 0 THEN 'agim' ELSE 'besim' END AS fk FROM range({n}) t(i)"
        )


def test_namesakes_agreeing_on_place_sex_or_father_count_at_their_own_rate() -> None:
    con = duckdb_connection()
    _namesake_world(con)
    settings = apply_priors(cmp.person_settings({"nk", "fk", "bd", "sex", "bpk"}))
    count_namesake_u(con, ["l", "r"], settings)
    u = {
        c["output_column_name"]: lv["u_probability"]
        for c in settings["comparisons"]
        for lv in c["comparison_levels"]
        if lv.get("label_for_charts", "").endswith(cmp.NAMES_AGREE) and lv.get("fix_u_probability")
    }
    # Among people of one name: half share a birth place, all share a sex, and 1/4·1/4 + 3/4·3/4
    # of pairs share a father's name.
    assert u == pytest.approx({"birth_place": 0.5, "sex": 1.0, "father_name": 0.625})


def test_a_common_name_rarely_counted_keeps_the_prior() -> None:
    con = duckdb_connection()
    _namesake_world(con, n=5)  # 10 records: not a common name
    priors = apply_priors(cmp.person_settings({"nk", "fk", "bd", "sex", "bpk"}))
    settings = copy.deepcopy(priors)
    kept = count_namesake_u(con, ["l", "r"], settings)
    # The data cannot tell: each namesake level keeps its prior u, fixed, so that sampling on
    # random pairs (where agreeing namesakes are rare) does not count the name a second time.
    namesake = [
        (c["output_column_name"], i)
        for c in settings["comparisons"]
        for i, lv in enumerate(c["comparison_levels"])
        if lv.get("label_for_charts", "").endswith(cmp.NAMES_AGREE)
    ]
    assert len(kept) == len(namesake) == 3
    by_name = {c["output_column_name"]: c for c in settings["comparisons"]}
    prior_by_name = {c["output_column_name"]: c for c in priors["comparisons"]}
    for name, i in namesake:
        level = by_name[name]["comparison_levels"][i]
        assert level["fix_u_probability"]
        prior = prior_by_name[name]["comparison_levels"][i]
        assert level["u_probability"] == prior["u_probability"]


def test_namesake_levels_share_the_agreements_m() -> None:
    priors = apply_priors(cmp.person_settings({"nk", "bpk", "sex"}))
    model = copy.deepcopy(priors)
    place = next(c for c in model["comparisons"] if c["output_column_name"] == "birth_place")
    place["comparison_levels"][1]["m_probability"] = 0.7  # trained: names agree
    place["comparison_levels"][2]["m_probability"] = 0.25  # trained: names differ
    merge_namesake_m(model, priors)
    assert [lv.get("m_probability") for lv in place["comparison_levels"][1:3]] == [0.95, 0.95]
    # Not trained: the priors are the agreement's share already.
    sex = next(c for c in model["comparisons"] if c["output_column_name"] == "sex")
    assert [lv["m_probability"] for lv in sex["comparison_levels"][1:3]] == [0.98, 0.98]


def test_records_sharing_any_phone_are_compared_even_when_nothing_else_agrees() -> None:
    # Only the second number of the right record is the left record's: blocking on every
    # number, not the first, is what brings this pair to be scored at all.
    left = [
        {"unique_id": "m1", "given_name": "Агрон", "family_name": "Гаши", "phone": "+38344123456"}
    ]
    right = [
        {
            "unique_id": "x1",
            "given_name": "Artan",
            "family_name": "Berisha",
            "phone": "+38971222333;+38344123456",
        }
    ]
    phone = _evidence_of(left, right, "phone")
    assert list(phone) == [frozenset(("m1", "x1"))]
    assert phone[frozenset(("m1", "x1"))]["level"] == "same phone number"


def _accomplices(with_associates: bool) -> tuple[list[dict], list[dict]]:
    """Besnik and his accomplice Fatmir on each side; Besnik's family name mistyped in one."""
    left = [
        {"unique_id": "m1", "given_name": "Бесник", "family_name": "Бурхани", "associates": "m2"},
        {"unique_id": "m2", "given_name": "Фатмир", "family_name": "Селими", "associates": "m1"},
        {"unique_id": "m3", "given_name": "Бесник", "family_name": "Красниќи"},
    ]
    right = [
        {"unique_id": "x1", "given_name": "Besnik", "family_name": "Burhni", "associates": "x2"},
        {"unique_id": "x2", "given_name": "Fatmir", "family_name": "Selimi", "associates": "x1"},
    ]
    if not with_associates:
        for row in left + right:
            row.pop("associates", None)
    return left, right


def test_an_associate_of_the_same_name_is_evidence_and_finds_a_mistyped_name() -> None:
    left, right = _accomplices(with_associates=True)
    known = _evidence_of(left, right, "associates")
    besnik = known[frozenset(("m1", "x1"))]
    assert besnik["level"] == "an associate of the same name" and besnik["agrees"]
    # Another Besnik with no one in common is not tied to him by the accomplice.
    assert frozenset(("m3", "x1")) not in known or not known[frozenset(("m3", "x1"))]["agrees"]
    # Without the associates the pair is still compared (two small files: every pair), on the
    # names alone.
    left, right = _accomplices(with_associates=False)
    assert _evidence_of(left, right, "name")[frozenset(("m1", "x1"))]["level"] != "different"


def test_associates_are_keyed_by_name_and_joined_to_the_records_own_words() -> None:
    con = duckdb_connection()
    left, _right = _accomplices(with_associates=True)
    table_from_rows(con, "mk", "person", left)
    (prepared,) = prepare_persons(con, ["mk"])
    rows = dict(con.execute(f"SELECT unique_id, assoc FROM {prepared}").fetchall())
    fatmir = con.execute(f"SELECT np FROM {prepared} WHERE unique_id = 'm2'").fetchall()[0][0]
    assert rows["m1"] == [fatmir] and rows["m3"] is None
    links = con.execute(f"SELECT links FROM {prepared} WHERE unique_id = 'm1'").fetchall()[0][0]
    # With one of his own name words; with his birthday only when the record has one.
    assert sorted(k.split("|")[0] for k in links) == [f"a1:{fatmir}", f"a2:{fatmir}"]
    left[0]["birth_date"] = "1986-03-14"
    table_from_rows(con, "mk", "person", left)
    (prepared,) = prepare_persons(con, ["mk"])
    links = con.execute(f"SELECT links FROM {prepared} WHERE unique_id = 'm1'").fetchall()[0][0]
    assert f"a3:{fatmir}|03-14" in links


def test_no_single_field_vetoes_a_match_by_more_than_ten_bits() -> None:
    model = apply_priors(cmp.person_settings({"nk", "sex"}))
    name, sex = model["comparisons"]
    name["comparison_levels"][-1]["m_probability"] = 3e-9  # what EM learnt at 10^4 records
    sex["comparison_levels"][-1]["m_probability"] = 0.02
    floor_disagreement(model)
    assert name["comparison_levels"][-1]["m_probability"] == MIN_M_DIFFERENT
    assert sex["comparison_levels"][-1]["m_probability"] == 0.02


def test_a_typo_with_a_birthday_is_blocked_only_where_the_typo_made_a_name_rare() -> None:
    rules = [r for r in cmp.person_blocking({"bd", "fk"}) if isinstance(r, str)]
    word_rules = [r for r in rules if 'l."p1" = r."p1" AND l."md"' in r]
    # One rule per side, each filtering its own table on a rarely carried name.
    assert sorted(r.rsplit(" AND ", 1)[1] for r in word_rules) == [
        f'l."nkf" <= {cmp.COMMON_NAME}',
        f'r."nkf" <= {cmp.COMMON_NAME}',
    ]
    # Common names with two full dates are still found: the same name and day-month.
    assert any(r.startswith('l."np" = r."np" AND l."md" = r."md"') for r in rules)
    # Word + father + year stands in for the associates' keys only where there are none.
    with_assoc = cmp.person_blocking({"bd", "fk", "assoc", "links"})
    assert not any("fp" in str(r) and "p1" in str(r) for r in with_assoc)
    assert any('l."p1" = r."p1" AND l."fp" = r."fp"' in r for r in rules)
    assert with_assoc[0] == {
        "blocking_rule": 'l."links" = r."links"',
        "arrays_to_explode": ["links"],
    }
