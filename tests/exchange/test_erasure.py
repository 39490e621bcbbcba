"""An erasure message of a peer: its copies erased by reference, bad messages refused whole."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from test_operations import _from_mk

from armsbridge.audit.models import AuditEntry
from armsbridge.exchange import erasure
from armsbridge.exchange.handlers import HandlerRefused
from armsbridge.records.models import Person, Provenance
from armsbridge.records.service import create_record
from principals import as_actor


def _received(session, ref: str) -> int:  # noqa: ANN001
    person = create_record(
        session,
        record_type="person",
        data={"family_name": "Трајковски", "jurisdiction": "MK", "handling_code": "H1"},
        user=as_actor("exchange", "MK"),
    )
    session.add(
        Provenance(
            record_type="person",
            record_id=person.id,
            remote_ref=ref,
            held_by="XK",
            provider="MK",
            message_id="m-" + ref,
            received_at=datetime.now(UTC),
            handling_code="H1",
            source_grade="B",
            information_grade="2",
        )
    )
    session.flush()
    return person.id


def test_the_copies_named_are_erased_and_one_not_held_is_counted(session, xk) -> None:  # noqa: ANN001
    kept, erased = _received(session, "ref-kept"), _received(session, "ref-gone")
    body = {"records": [{"type": "person", "ref": "ref-gone"}, {"type": "person", "ref": "ref-x"}]}
    assert _from_mk(session, xk, erasure.ERASURE, body) == {"erased": 1, "not_held": 1}
    assert session.get(Person, erased) is None and session.get(Person, kept) is not None
    assert session.scalar(select(Provenance).where(Provenance.remote_ref == "ref-gone")) is None
    logged = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "erase", AuditEntry.record_id == erased)
    )
    assert logged is not None and "erased by its provider MK" in logged.why


@pytest.mark.parametrize(
    "body",
    [{}, {"records": []}, {"records": [{"type": "weapon", "ref": "r"}]}, {"records": ["r"]}],
)
def test_a_malformed_erasure_is_refused_and_erases_nothing(session, xk, body) -> None:  # noqa: ANN001
    kept = _received(session, "ref-stays")
    with pytest.raises(HandlerRefused):
        _from_mk(session, xk, erasure.ERASURE, body)
    assert session.get(Person, kept) is not None
