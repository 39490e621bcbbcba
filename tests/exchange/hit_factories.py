"""Records for hit/no-hit tests, written through the one writer as the node's own job."""

from __future__ import annotations

from sqlalchemy.orm import Session

from armsbridge.records import service
from armsbridge.records.models import IdentityDocument
from principals import as_actor


def add(session: Session, record_type: str, jurisdiction: str = "XK", **data: object) -> object:
    """Create a record through the one writer, as the node's own job."""
    return service.create_record(
        session,
        record_type=record_type,
        data={"jurisdiction": jurisdiction, **data},
        user=as_actor("officer", jurisdiction),
    )


def add_document(session: Session, person: object, number: str, kind: str = "id_card") -> None:
    """Give a person an identity document."""
    session.add(IdentityDocument(person_id=person.id, kind=kind, number=number))  # type: ignore[attr-defined]
    session.flush()
