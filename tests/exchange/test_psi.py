"""Hit/no-hit protocol: right hits and misses, references only for hits, nothing readable on the
wire, budgets held by the answering node, partial serials, incremental set transfer."""

from __future__ import annotations

import base64
import contextlib
from datetime import date

import pytest
from hit_factories import add, add_document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from armsbridge.db import keys
from armsbridge.exchange import psi
from armsbridge.exchange.hit_models import HitBudget
from armsbridge.exchange.hitset import opaque_ref, query_items, refresh_hitset
from armsbridge.exchange.psi import (
    TAG,
    BadMessage,
    BudgetExceeded,
    PeerSet,
    answer_query,
    answer_reveal,
    finish_query,
    finish_reveal,
    item_digest,
    reveal_request,
    start_query,
)
from armsbridge.settings import Settings

DAY = date(2026, 12, 2)


@pytest.fixture
def mk(session, two_nodes):
    """The North Macedonian node's own records, in its set, answering under its own keys."""
    settings = two_nodes[1].model_copy(
        update={"hit_budget_user_per_day": 2000, "hit_budget_peer_per_day": 3000}
    )
    keys.use_node(settings)
    records = {
        "person": add(
            session,
            "person",
            "MK",
            given_name="Џафер",
            family_name="Бајрами",
            birth_date="1986-03-14",
        ),
        "gun": add(session, "firearm", "MK", serial_raw="К724521", make="Застава"),
        "car": add(session, "vehicle", "MK", plate_raw="SK 1234 AB", vin="WVWZZZ1JZXW000011"),
        "phone": add(session, "phone", "MK", number_raw="070 123 456"),
    }
    add_document(session, records["person"], "A1234567", "passport")
    refresh_hitset(session, settings=settings)
    return settings, records


def _round(session, settings, items, peer_set=None, user="analyst1", wire=None):
    """Run one full query (both steps) as Kosovo asking North Macedonia; return refs and hits."""
    state, request = start_query([i.key for i in items], peer_set)
    response = answer_query(session, request, peer="XK", user=user, settings=settings, today=DAY)
    hits = finish_query(state, response)
    second = reveal_request(hits)
    answer, count = answer_reveal(session, second, settings=settings)
    if wire is not None:
        wire.extend([request, response, second, answer])
    return finish_reveal(hits, answer), hits, count, state.peer


def _items(*pairs):
    return [item for kind, value in pairs for item in query_items(kind, value, jurisdiction="XK")]


def test_items_known_on_the_other_side_hit_with_a_reference_and_others_do_not(session, mk):
    settings, rec = mk
    items = _items(
        ("person", "Xhafer Bajrami 1986"),  # Latin query, Cyrillic record, year only
        ("person", "Xhafer Berisha 1986"),
        ("serial", "K7245-21"),
        ("serial", "K724522"),
        ("plate", "SK-1234-АВ"),  # Cyrillic look-alike А В
        ("plate", "SK 1235 AB"),
        ("phone", "+389 70 123 456"),
        ("phone", "+389 70 123 457"),
        ("document", "A1234567"),
        ("vin", "WVWZZZ1JZXW000011"),
    )
    refs, hits, count, _ = _round(session, settings, items)
    hit_values = {(items[r.index].kind, items[r.index].value) for r in refs}
    assert hit_values == {
        ("person", "Xhafer Bajrami 1986"),
        ("serial", "K7245-21"),
        ("plate", "SK-1234-АВ"),  # Cyrillic look-alike А В
        ("phone", "+389 70 123 456"),
        ("document", "A1234567"),
        ("vin", "WVWZZZ1JZXW000011"),
    }
    assert {(r.record_type, r.ref) for r in refs} == {
        ("person", opaque_ref("person", rec["person"].id, settings)),
        ("firearm", opaque_ref("firearm", rec["gun"].id, settings)),
        ("vehicle", opaque_ref("vehicle", rec["car"].id, settings)),
        ("phone", opaque_ref("phone", rec["phone"].id, settings)),
    }
    assert count == len(hits.indices) == len(refs)  # what the answering side logs: hits


def _encodings(value: str) -> list[bytes]:
    out = []
    for raw in (value.encode("utf-8"), value.encode("utf-16-le"), value.encode("utf-16-be")):
        out += [raw, raw.hex().encode(), raw.hex().upper().encode(), base64.b64encode(raw)]
        out.append(base64.b64encode(raw).rstrip(b"="))
    return out


def test_no_identifier_asked_or_held_crosses_the_wire_in_any_usual_encoding(session, mk):
    settings, _ = mk
    asked = [
        ("person", "Xhafer Bajrami 14.03.1986"),
        ("serial", "K724521"),
        ("plate", "SK 1234 AB"),
        ("plate", "PR 9999 XY"),
        ("phone", "+38970123456"),
        ("phone", "+38344999888"),
        ("document", "A1234567"),
    ]
    items = _items(*asked)
    wire: list[bytes] = []
    refs, *_ = _round(session, settings, items, wire=wire)
    assert len(refs) >= 4  # hits did happen: the bytes carried real answers
    stored = [
        "Џафер",
        "Бајрами",
        "К724521",
        "Застава",
        "SK1234AB",
        "070 123 456",
        "WVWZZZ1JZXW000011",
        "1986-03-14",
    ]
    secrets_ = (
        [v for _, v in asked]
        + stored
        + [i.key for i in items]
        + [i.key.split(":", 1)[1] for i in items]
        + [item_digest(i.key) for i in items]
    )
    blob = b"".join(wire)
    for value in secrets_:
        for form in _encodings(value):
            assert form not in blob, (value, form)


def test_budgets_are_held_per_user_and_per_peer_and_a_refusal_counts_nothing(session, mk):
    settings, _ = mk
    tight = settings.model_copy(update={"hit_budget_user_per_day": 5, "hit_budget_peer_per_day": 8})
    three = _items(("plate", "SK 1234 AB"), ("plate", "SK 1111 AB"), ("plate", "SK 2222 AB"))
    _round(session, tight, three, user="analyst1")
    with pytest.raises(BudgetExceeded, match=r"user 'analyst1' of peer 'XK' has queried 3 of 5"):
        _round(session, tight, three, user="analyst1")
    _round(session, tight, three, user="analyst2")
    with pytest.raises(BudgetExceeded, match=r"peer 'XK' has queried 6 of 8 .*hit_budget_peer"):
        _round(session, tight, three, user="analyst3")
    used = dict(session.execute(select(HitBudget.user, HitBudget.used)).all())
    assert used == {"analyst1": 3, "analyst2": 3, "*": 6}
    _round(session, tight, three[:2], user="analyst3")  # what is left may still be asked
    # the next day starts afresh
    state, request = start_query([i.key for i in three])
    answer_query(
        session, request, peer="XK", user="analyst1", settings=tight, today=date(2026, 12, 3)
    )


def test_a_partial_serial_hits_through_its_completions_and_pays_for_each(session, mk):
    settings, rec = mk
    items = query_items("serial", "K7?4?21", make=None, settings=settings)
    refs, *_ = _round(session, settings, items)
    assert [items[r.index].key for r in refs] == ["serial:K724521"]
    assert refs[0].ref == opaque_ref("firearm", rec["gun"].id, settings)
    used = session.scalar(select(HitBudget.used).where(HitBudget.user == "analyst1"))
    assert used == len(items) == 900


def test_a_new_record_hits_after_a_refresh_and_only_its_tags_are_sent(session, mk):
    settings, _ = mk
    ask = _items(("phone", "+389 71 555 444"))
    refs, _, _, peer_set = _round(session, settings, ask)
    assert refs == [] and peer_set.upto > 0 and peer_set.tags
    held = len(peer_set.tags)
    add(session, "phone", "MK", number_raw="071 555 444")
    refresh_hitset(session, settings=settings)
    wire: list[bytes] = []
    refs, *_ = _round(session, settings, ask, peer_set=peer_set, wire=wire)
    assert [r.record_type for r in refs] == ["phone"]
    assert len(peer_set.tags) == held + 1
    header, (_, tags) = psi._unpack(wire[1], b"A", 2)
    assert len(tags) == TAG and header["full"] is False  # one new key, not the whole set
    stored = psi.load_peer_set(psi.dump_peer_set(peer_set))  # the asker may keep it on disk
    assert stored == peer_set
    assert psi.items_in(wire[0]) == 1


def test_the_second_step_names_nothing_that_was_not_a_paid_hit(session, mk):
    settings, _ = mk
    items = _items(("plate", "SK 1234 AB"))
    state, request = start_query([i.key for i in items])
    # The blinded query points, sent back as if they were hits, name no record.
    forged = psi._pack(b"R", {"epoch": psi.current_epoch(settings)}, request[-33:])
    answer, count = answer_reveal(session, forged, settings=settings)
    assert count == 0 and psi._unpack(answer, b"S", 0)[0]["refs"] == [[]]
    # Points sealed under another node's key name nothing either.
    foreign = PeerSet()
    other = Settings(var_dir=settings.var_dir / "other", jurisdiction="MK")
    state, request = start_query([i.key for i in items], foreign)
    response = answer_query(session, request, peer="XK", user="a1", settings=other, today=DAY)
    hits = finish_query(state, response)
    assert hits.indices == []


def test_bad_bytes_are_refused_with_a_message_not_a_trace(session, mk):
    settings, _ = mk
    for data, message in [
        (b"", "are not a hit/no-hit query"),
        (b"GET / HTTP/1.1\r\n", "are not a hit/no-hit query"),
        (psi._pack(b"Q", {"epoch": "", "upto": 0}, b"x" * 32), "not whole points of 33"),
        (psi._pack(b"Q", {"epoch": "", "upto": 0}, b"\x05" * 33), "not points of the curve"),
        (psi._pack(b"Q", {"epoch": "", "upto": 0}, b""), "must carry 1 to 1000"),
        (psi._pack(b"Q", {"epoch": "", "upto": 0}), "are not a hit/no-hit query"),
        (psi._pack(b"R", {}), "are not a hit/no-hit query"),
    ]:
        with pytest.raises(BadMessage, match=message):
            answer_query(session, data, peer="XK", user="a1", settings=settings, today=DAY)
    newer = psi._pack(b"Q", {"epoch": "", "upto": 0}, b"\x02" * 33).replace(b'"v": 1', b'"v": 9')
    with pytest.raises(BadMessage, match="version 9; this node speaks version 1"):
        answer_query(session, newer, peer="XK", user="a1", settings=settings, today=DAY)
    assert session.scalar(select(HitBudget.used).where(HitBudget.user == "a1")) is None
    with pytest.raises(BadMessage, match="names its asking user"):
        answer_query(session, newer, peer="XK", user="*", settings=settings, today=DAY)


_VALUES = st.one_of(
    st.none(), st.integers(-5, 99), st.text(max_size=4), st.lists(st.integers(-3, 70), max_size=3)
)
_FIELDS = st.sampled_from(["epoch", "upto", "v", "sizes", "full"])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=200), header=st.dictionaries(_FIELDS, _VALUES))
def test_any_bytes_are_answered_or_refused_as_a_user_error(session, mk, data, header):
    node = mk[0]
    for raw in (data, psi.MAGIC + b"Q" + data, psi._pack(b"Q", header, data)):
        with contextlib.suppress(BadMessage, BudgetExceeded):
            answer_query(session, raw, peer="XK", user="fuzz", settings=node, today=DAY)
        with pytest.raises(BadMessage):
            finish_query(start_query(["plate:X"])[0], raw)


@pytest.mark.parametrize("refs", [None, [1], [[["person"]]], [[5]], [["person", "h1"]], [[], []]])
def test_a_damaged_reveal_answer_is_refused_by_the_asker(refs):
    hits = psi.Hits(indices=[0], points={0: b"\x02" * 33}, epoch="e")
    with pytest.raises(BadMessage, match="reveal answer"):
        finish_reveal(hits, psi._pack(b"S", {"refs": refs}))


def test_a_watermark_past_the_newest_row_gets_the_whole_set_again(session, mk):
    settings, _ = mk
    ask = _items(("plate", "SK 1234 AB"))
    _, _, _, peer_set = _round(session, settings, ask)
    everything = set(peer_set.tags)
    peer_set.upto += 1000  # as after the answering node was restored from an older backup
    peer_set.tags = set()
    refs, _, _, peer_set = _round(session, settings, ask, peer_set=peer_set)
    assert peer_set.tags == everything and [r.record_type for r in refs] == ["vehicle"]
