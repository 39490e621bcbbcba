"""The hit/no-hit set holds only the node's own records, never one received from a peer.

A peer's hit would otherwise answer "yes" about data that is not ours to confirm (and an H2
record's existence would leave the node by a hit).
"""

from __future__ import annotations

from hit_factories import add
from sqlalchemy import select

from armsbridge.exchange.hit_models import HitKey
from armsbridge.exchange.hitset import refresh_hitset
from armsbridge.exchange.psi import item_digest
from foreign_records import CODES, add_foreign, add_foreign_world, markers


def _set(session) -> set[tuple[str, int]]:
    return set(session.execute(select(HitKey.record_type, HitKey.record_id)).all())


def test_received_records_never_enter_the_set(session, node_keys) -> None:
    world = add_foreign_world(session)
    gun = add(session, "firearm", serial_raw="K724521", make="Zastava")
    car = add(session, "vehicle", plate_raw="01-234-AB")
    report = refresh_hitset(session, jurisdiction="XK")
    assert _set(session) == {("firearm", gun.id), ("vehicle", car.id)}
    assert report.records == 2
    foreign_ids = set(world.ids.items())
    assert not {(t, i) for (_c, t), i in foreign_ids} & _set(session)
    digests = set(session.scalars(select(HitKey.digest)))
    for code in CODES:
        assert item_digest(f"serial:{markers(code)['serial_raw']}") not in digests


def test_a_received_record_of_the_nodes_own_jurisdiction_stays_out(session, node_keys) -> None:
    # Defence in depth: even were a received record to carry this node's jurisdiction (one of
    # ours the peer sent back), its Provenance row keeps it out of the set.
    own = add(session, "firearm", serial_raw="K724521", make="Zastava")
    back = add_foreign(
        session,
        record_type="firearm",
        data={"serial_raw": "QZ9999W9", "make": "Zastava"},
        code="H0",
        provider="XK",
        held_by="XK",
    )
    refresh_hitset(session, jurisdiction="XK")
    assert _set(session) == {("firearm", own.id)}
    assert ("firearm", back) not in _set(session)
