"""Serial search finds full, partial and misread serials, exactly as a full scan would."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from armsbridge.errors import ValidationFailed
from armsbridge.firearms.serial_search import brute_force, parse_pattern, plan, search_serials
from armsbridge.records.models import Firearm

SERIALS = ["K7-24521", "К7Z4521", "KO1S8", "AB 123 456", "x4521", "K7245210", "MK-0045/21"]


@pytest.fixture
def guns(session: Session) -> dict[str, int]:
    ids = {}
    for i, serial in enumerate(SERIALS):
        gun = Firearm(jurisdiction="XK" if i % 2 else "MK", serial_raw=serial, make=f"m{i}")
        session.add(gun)
        session.flush()
        ids[serial] = gun.id
    return ids


def _found(session: Session, pattern: str, **kw) -> list[str]:
    return [h["serial_raw"] for h in search_serials(session, pattern=pattern, **kw)]


def test_full_serial_in_any_script_and_layout(session: Session, guns: dict) -> None:
    assert _found(session, "k7 245 21")[0] == "K7-24521"
    assert _found(session, "К7-24521")[0] == "K7-24521"  # typed in Cyrillic


def test_misread_characters_are_found_and_ranked_after_exact_ones(
    session: Session, guns: dict
) -> None:
    hits = search_serials(session, pattern="K724521")
    assert [h["serial_raw"] for h in hits] == ["K7-24521", "К7Z4521"]
    assert [h["misread_characters"] for h in hits] == [0, 1]
    assert hits[0]["score"] > hits[1]["score"]
    assert _found(session, "K0158") == ["KO1S8"]


def test_unknown_positions_and_runs(session: Session, guns: dict) -> None:
    assert set(_found(session, "K7?4?21")) == {"K7-24521", "К7Z4521"}
    ends = {"K7-24521", "К7Z4521", "x4521", "MK-0045/21"}
    assert set(_found(session, "*4521")) == ends
    assert set(_found(session, "*4521*")) == ends | {"K7245210"}
    assert _found(session, "MK??45*") == ["MK-0045/21"]
    assert _found(session, "K7?4?21", jurisdiction="XK") == ["К7Z4521"]


def test_patterns_without_a_read_character_are_refused(session: Session) -> None:
    for bad in ("", "***", "??*", "- /"):
        with pytest.raises(ValidationFailed):
            search_serials(session, pattern=bad)


def test_the_plan_uses_an_index_whenever_a_fragment_was_read() -> None:
    assert plan(parse_pattern("K724521"))[0] == "exact"
    assert plan(parse_pattern("K7?4?21"))[0] == "prefix"
    assert plan(parse_pattern("*4521"))[0] == "suffix"
    assert plan(parse_pattern("??4521??"))[0] == "grams"
    assert plan(parse_pattern("?7?4?2?"))[0] == "scan"


ALPHABET = "K7O0I1L5S8B2ZAXМ"  # includes misreadable pairs and a Cyrillic look-alike


def _random_serial(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(3, 8)))


@st.composite
def patterns(draw: st.DrawFn, serials: list[str]) -> str:
    base = draw(st.sampled_from(serials))
    chars = list(base)
    for i in range(len(chars)):
        roll = draw(st.integers(0, 9))
        if roll == 0:
            chars[i] = "?"
        elif roll == 1:
            chars[i] = "*"
        elif roll == 2:
            chars[i] = draw(st.sampled_from(ALPHABET))
    text = "".join(chars)
    if not text.replace("*", "").replace("?", ""):
        text = base
    return text


def test_search_returns_exactly_what_a_full_scan_returns(session: Session) -> None:
    rng = random.Random(20261128)
    serials = [_random_serial(rng) for _ in range(400)]
    rows = []
    for serial in serials:
        gun = Firearm(jurisdiction="XK", serial_raw=serial)
        session.add(gun)
        session.flush()
        rows.append((gun.id, serial))
    ids = {fid for fid, _ in rows}

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(patterns(serials))
    def check(pattern: str) -> None:
        hits = search_serials(session, pattern=pattern, limit=None)
        found = {h["id"] for h in hits if h["id"] in ids}
        assert found == brute_force(rows, pattern), pattern
        misread = [h["misread_characters"] for h in hits]
        assert misread == sorted(misread)

    check()


def test_rows_written_in_bulk_are_found_before_a_refresh(session: Session) -> None:
    from sqlalchemy import insert

    session.execute(
        insert(Firearm),
        [{"jurisdiction": "MK", "serial_raw": "ZB-77O1", "serial_normalised": "ZB77O1"}],
    )
    hits = search_serials(session, pattern="2877?1", jurisdiction="MK")
    assert [h["serial_raw"] for h in hits] == ["ZB-77O1"]
    assert hits[0]["misread_characters"] == 2
