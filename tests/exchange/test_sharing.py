"""Sharing records between two node processes: foreign records with provenance, updates, H2.

XK shares a person, a phone and the link between them with MK; MK's worker-free inbox stores
them as foreign records marked with XK as provider, the handling code and grades; a change on
XK reaches MK as an update of the same copy; a record received under H2 cannot be shared on.
"""

from __future__ import annotations

import uuid

import pytest
from request_helpers import person_with_phone
from sqlalchemy import select

from armsbridge.audit.models import AuditEntry
from armsbridge.auth.principal import Principal, node_principal
from armsbridge.exchange import sharing
from armsbridge.exchange.models import Disclosure
from armsbridge.exchange.service import get_peer
from armsbridge.records import handling
from armsbridge.records.models import Link, Person, Phone, Provenance
from armsbridge.records.reading import readable
from armsbridge.records.service import create_record, delete_record, update_record
from exchange_nodes import wait_for

pytestmark = pytest.mark.xdist_group("exchange-nodes")


def _analyst(jurisdiction: str) -> Principal:
    return Principal(id=990001, username="analyst-test", role="analyst", jurisdiction=jurisdiction)


def _seed_xk(xk, family: str) -> tuple[int, int]:  # noqa: ANN001
    with xk.store() as session:
        return person_with_phone(session, family)


def _share(xk, items, code: str = "H1", restriction: str | None = None) -> str:  # noqa: ANN001
    with xk.store() as session:
        message = sharing.share_records(
            session,
            user=node_principal("XK", purpose="test"),
            peer=get_peer(session, "MK"),
            items=items,
            conditions=sharing.Conditions(code, restriction, "B", "2"),
            purpose="joint investigation of converted pistols",
        )
        return message.message_id


def _foreign(mk, record_type: str, share_message: str) -> list[Provenance]:  # noqa: ANN001
    with mk.store() as session:
        rows = session.scalars(
            select(Provenance).where(
                Provenance.record_type == record_type, Provenance.message_id == share_message
            )
        ).all()
        session.expunge_all()
        return list(rows)


def test_shared_records_arrive_as_foreign_records_with_provenance(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    family = "Bajrami-" + uuid.uuid4().hex[:6]
    person_id, phone_id = _seed_xk(xk, family)
    message_id = _share(
        xk,
        [
            sharing.Item("person", person_id, ("given_name", "family_name", "birth_date")),
            sharing.Item("phone", phone_id),
        ],
    )
    wait_for(lambda: len(_foreign(mk, "person", message_id)) == 1, timeout=60)
    wait_for(lambda: len(_foreign(mk, "link", message_id)) == 1, timeout=10)
    (prov,) = _foreign(mk, "person", message_id)
    assert (prov.provider, prov.held_by, prov.handling_code) == ("XK", "MK", "H1")
    assert (prov.source_grade, prov.information_grade) == ("B", "2")
    with mk.store() as session:
        person = session.get(Person, prov.record_id)
        assert person.jurisdiction == "XK" and person.family_name == family
        assert person.birth_place is None  # not among the fields approved for sharing
        (phone_prov,) = _foreign(mk, "phone", message_id)
        assert session.get(Phone, phone_prov.record_id).e164 == "+38344123456"
        (link_prov,) = _foreign(mk, "link", message_id)
        link = session.get(Link, link_prov.record_id)
        assert (link.from_id, link.to_id) == (person.id, phone_prov.record_id)
        # MK's analysts see the received record (H1: open to the service), XK's copy stays home.
        visible = session.scalar(readable("person", _analyst("MK")).where(Person.id == person.id))
        assert visible is not None
        mark = handling.marking(session, "person", person.id)
        assert mark is not None and "judicial" in mark.notice
        received = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "import", AuditEntry.jurisdiction == "MK")
        ).all()
        assert any((e.details or {}).get("message_id") == message_id for e in received)
    with xk.store() as session:
        disclosed = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "disclose", AuditEntry.record_id == person_id
            )
        ).all()
        assert disclosed and disclosed[-1].details["recipient"] == "MK"
        assert disclosed[-1].why == "joint investigation of converted pistols"


def test_an_update_reaches_the_same_copy(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    family = "Krasniqi-" + uuid.uuid4().hex[:6]
    person_id, _ = _seed_xk(xk, family)
    message_id = _share(xk, [sharing.Item("person", person_id)])
    wait_for(lambda: len(_foreign(mk, "person", message_id)) == 1, timeout=60)
    (first,) = _foreign(mk, "person", message_id)
    with xk.store() as session:
        update_record(
            session,
            record_type="person",
            record_id=person_id,
            data={"family_name": family + "-ii"},
            user=node_principal("XK", purpose="test"),
        )

    def updated() -> bool:
        with mk.store() as session:
            return session.get(Person, first.record_id).family_name == family + "-ii"

    wait_for(updated, timeout=60)
    with mk.store() as session:
        copies = session.scalars(
            select(Provenance).where(
                Provenance.record_type == "person", Provenance.remote_ref == first.remote_ref
            )
        ).all()
        assert len(copies) == 1 and copies[0].version == 2


def test_h2_records_cannot_be_shared_on(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    person_id, _ = _seed_xk(xk, "Hoxha-" + uuid.uuid4().hex[:6])
    message_id = _share(xk, [sharing.Item("person", person_id)], code="H2")
    wait_for(lambda: len(_foreign(mk, "person", message_id)) == 1, timeout=60)
    (prov,) = _foreign(mk, "person", message_id)
    with mk.store() as session:
        # Not visible to every analyst (H2 needs the case or a grant), and never shareable.
        hidden = session.scalar(
            readable("person", _analyst("MK")).where(Person.id == prov.record_id)
        )
        assert hidden is None
        with pytest.raises(handling.DisseminationBlocked, match="H2"):
            sharing.share_records(
                session,
                user=node_principal("MK", purpose="test"),
                peer=get_peer(session, "XK"),
                items=[sharing.Item("person", prov.record_id)],
                conditions=sharing.Conditions("H0"),
                purpose="passing it on",
            )


def test_received_records_are_matched_with_the_receivers_own(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    family = "Rexhepi" + uuid.uuid4().hex[:4]
    with mk.store() as session:  # MK's own record of the man, in Cyrillic
        own = create_record(
            session,
            record_type="person",
            data={
                "given_name": "Џафер",
                "family_name": family.replace("Rexhepi", "Реџепи"),
                "birth_date": "1986-03-14",
            },
            user=node_principal("MK", purpose="test"),
        )
        own_id = own.id
    person_id, _ = _seed_xk(xk, family)
    message_id = _share(xk, [sharing.Item("person", person_id)])
    wait_for(lambda: len(_foreign(mk, "person", message_id)) == 1, timeout=60)
    (prov,) = _foreign(mk, "person", message_id)
    pair_ids = tuple(sorted((own_id, prov.record_id)))

    def suggested() -> bool:
        rows = mk.query(
            "select cross_border, status from match_links where left_id = ? and right_id = ?"
            " and entity_type = 'person'",
            *pair_ids,
        )
        return bool(rows) and rows[0] == (1, "review")

    wait_for(suggested, timeout=90)


def test_an_erased_record_is_erased_from_the_peers_copy(pair) -> None:  # noqa: ANN001
    xk, mk = pair
    family = "Hoxha-" + uuid.uuid4().hex[:6]
    person_id, _ = _seed_xk(xk, family)
    message_id = _share(xk, [sharing.Item("person", person_id)])
    wait_for(lambda: len(_foreign(mk, "person", message_id)) == 1, timeout=60)
    (copy,) = _foreign(mk, "person", message_id)
    with xk.store() as session:
        delete_record(
            session,
            record_type="person",
            record_id=person_id,
            user=node_principal("XK", purpose="test"),
            why="the data subject's request was granted",
        )
    with xk.store() as session:
        assert (
            session.scalars(
                select(Disclosure).where(
                    Disclosure.record_type == "person", Disclosure.record_id == person_id
                )
            ).all()
            == []
        )  # forgotten: an id used again is never sent as an update of it
        told = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "erase", AuditEntry.recipient == "MK")
        ).all()
        assert any(e.details["records"][0]["ref"] == copy.remote_ref for e in told)

    def gone() -> bool:
        with mk.store() as session:
            return session.get(Person, copy.record_id) is None

    wait_for(gone, timeout=60)
    assert _foreign(mk, "person", message_id) == []
    with mk.store() as session:
        logged = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "erase", AuditEntry.record_id == copy.record_id
            )
        ).all()
        assert logged and "erased by its provider XK" in (logged[-1].why or "")
