"""A record received from the other service is the provider's: no account changes or erases it."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from armsbridge.auth.principal import Principal
from armsbridge.errors import PermissionDenied
from armsbridge.records import service
from armsbridge.records.models import Person
from foreign_records import add_foreign
from principals import as_actor

ANALYST = Principal(id=424242, username="a-test", role="analyst", jurisdiction="XK")


def test_a_received_record_cannot_be_changed_or_erased(session: Session) -> None:
    person_id = add_foreign(
        session, record_type="person", data={"given_name": "Qz", "family_name": "Kept"}, code="H0"
    )
    with pytest.raises(PermissionDenied, match="received from MK"):
        service.update_record(
            session,
            record_type="person",
            record_id=person_id,
            data={"family_name": "Changed"},
            user=ANALYST,
        )
    with pytest.raises(PermissionDenied, match="received from MK"):
        service.delete_record(session, record_type="person", record_id=person_id, user=ANALYST)
    assert session.get(Person, person_id).family_name != "Changed"


def test_the_nodes_exchange_job_still_updates_it(session: Session) -> None:
    person_id = add_foreign(
        session, record_type="person", data={"given_name": "Qz", "family_name": "Kept"}, code="H0"
    )
    service.update_record(
        session,
        record_type="person",
        record_id=person_id,
        data={"family_name": "Updated"},
        user=as_actor("node:exchange-from-MK", "MK"),
    )
    assert session.get(Person, person_id).family_name == "Updated"
