"""Tables of the records domain: cases, events, items, persons, and the links between them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    insert,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column, relationship

from armsbridge.db.base import Base
from armsbridge.db.mixins import RecordMixin, utcnow

# Partial dates (birth dates, event dates) are ISO text of 4, 7 or 10 characters: "1986",
# "1986-03", "1986-03-14". They sort and compare as text and keep the precision that was known.
PARTIAL_DATE = String(10)
SERIAL_KEY = String(80).with_variant(String(80, collation="C"), "postgresql")
# Byte order on PostgreSQL too, so that a prefix is the range [w, w + 1 on its last letter).
NAME_WORD = String(240).with_variant(String(240, collation="C"), "postgresql")


def _ext_unique(table: str) -> tuple[UniqueConstraint]:
    return (UniqueConstraint("jurisdiction", "external_ref", name=f"uq_{table}_external"),)


class Case(RecordMixin, Base):
    """A criminal case, from report to verdict, owned by one jurisdiction."""

    __tablename__ = "cases"
    __table_args__ = _ext_unique("cases")

    reference: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(String(300), default=None)
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    handling_restriction: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(40), default="reported")
    opened_on: Mapped[date | None] = mapped_column(Date, default=None)
    court_reference: Mapped[str | None] = mapped_column(String(120), default=None)
    # Indexed: restrict() asks on every query whether any restricted case hides records.
    restricted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    history: Mapped[list[CaseStatusChange]] = relationship(
        back_populates="case", order_by="CaseStatusChange.changed_on", cascade="all, delete-orphan"
    )


class CaseStatusChange(Base):
    """One step of a case through the procedure, with its date and court reference."""

    __tablename__ = "case_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(40))
    changed_on: Mapped[date] = mapped_column(Date)
    court_reference: Mapped[str | None] = mapped_column(String(120), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    recorded_by: Mapped[str] = mapped_column(String(80), default="system")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="history")


class SavedSearch(Base):
    """A list's filters, sort and columns saved under a name by one user, for that user only."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("user_id", "record_type", "name", name="uq_saved_search"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    record_type: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(Text)  # the list's query string, without page or why
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Place(RecordMixin, Base):
    """A place: an address, a municipality or a border crossing point, with coordinates."""

    __tablename__ = "places"
    __table_args__ = _ext_unique("places")

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), default="address")
    municipality: Mapped[str | None] = mapped_column(String(120), default=None)
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    crossing_code: Mapped[str | None] = mapped_column(String(40), default=None)


class Event(RecordMixin, Base):
    """Something that happened at a time and place: a seizure, a shooting, a surrender."""

    __tablename__ = "events"
    __table_args__ = _ext_unique("events")

    kind: Mapped[str] = mapped_column(String(40))
    occurred_on: Mapped[str | None] = mapped_column(PARTIAL_DATE, index=True, default=None)
    occurred_time: Mapped[str | None] = mapped_column(String(5), default=None)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True, default=None)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"), index=True, default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)


class ItemMixin(RecordMixin):
    """Columns shared by the items found in an event: the event and case they belong to."""

    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True, default=None)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True, default=None)


class Firearm(ItemMixin, Base):
    """A firearm with its identification, legal category and conversion facts."""

    __tablename__ = "firearms"
    __table_args__ = _ext_unique("firearms")

    make: Mapped[str | None] = mapped_column(String(120), default=None)
    model: Mapped[str | None] = mapped_column(String(120), default=None)
    kind: Mapped[str | None] = mapped_column(String(40), default=None)
    action: Mapped[str | None] = mapped_column(String(40), default=None)
    calibre: Mapped[str | None] = mapped_column(String(60), default=None)
    calibre_normalised: Mapped[str | None] = mapped_column(String(60), default=None)
    serial_raw: Mapped[str | None] = mapped_column(String(80), default=None)
    serial_normalised: Mapped[str | None] = mapped_column(String(80), index=True, default=None)
    markings: Mapped[str | None] = mapped_column(Text, default=None)
    country_of_manufacture: Mapped[str | None] = mapped_column(String(2), default=None)
    year_of_manufacture: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str | None] = mapped_column(String(20), default=None)
    converted: Mapped[bool] = mapped_column(Boolean, default=False)
    conversion_kind: Mapped[str | None] = mapped_column(String(40), default=None)
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    category: Mapped[str | None] = mapped_column(String(20), default=None)
    category_point: Mapped[str | None] = mapped_column(String(20), default=None)
    category_reasons: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    category_missing: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    rules_version: Mapped[str | None] = mapped_column(String(40), default=None)
    trace_status: Mapped[str] = mapped_column(String(40), default="not_attempted")
    point_of_diversion: Mapped[str | None] = mapped_column(Text, default=None)
    # Serial search keys (firearms.serial_search): misreading-folded serial and its reverse, in
    # byte order on PostgreSQL so prefix ranges use the index.
    serial_key: Mapped[str | None] = mapped_column(SERIAL_KEY, index=True, default=None)
    serial_key_rev: Mapped[str | None] = mapped_column(SERIAL_KEY, index=True, default=None)
    conversion_suspected: Mapped[bool] = mapped_column(Boolean, default=False)
    conversion_evidence: Mapped[list[str] | None] = mapped_column(JSON, default=None)


class AmmunitionLot(ItemMixin, Base):
    """A quantity of cartridges of one calibre."""

    __tablename__ = "ammunition_lots"
    __table_args__ = _ext_unique("ammunition_lots")

    calibre: Mapped[str | None] = mapped_column(String(60), default=None)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    projectile: Mapped[str | None] = mapped_column(String(40), default=None)


class Explosive(ItemMixin, Base):
    """A hand grenade, military explosive, handmade device or precursor."""

    __tablename__ = "explosives"
    __table_args__ = _ext_unique("explosives")

    kind: Mapped[str] = mapped_column(String(40))
    model: Mapped[str | None] = mapped_column(String(120), default=None)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    weight_kg: Mapped[float | None] = mapped_column(Float, default=None)


class Component(ItemMixin, Base):
    """An essential component (barrel, slide, ...) with what it fits."""

    __tablename__ = "components"
    __table_args__ = _ext_unique("components")

    kind: Mapped[str] = mapped_column(String(40))
    fits_make: Mapped[str | None] = mapped_column(String(120), default=None)
    fits_model: Mapped[str | None] = mapped_column(String(120), default=None)
    calibre: Mapped[str | None] = mapped_column(String(60), default=None)
    serial_raw: Mapped[str | None] = mapped_column(String(80), default=None)
    quantity: Mapped[int] = mapped_column(Integer, default=1)


class Person(RecordMixin, Base):
    """A person as written in the source, with the script it was written in."""

    __tablename__ = "persons"
    __table_args__ = (
        UniqueConstraint("jurisdiction", "external_ref", name="uq_persons_external"),
        Index("ix_persons_family_given", "family_name", "given_name"),
    )

    given_name: Mapped[str | None] = mapped_column(String(120), default=None)
    family_name: Mapped[str | None] = mapped_column(String(120), default=None)
    father_name: Mapped[str | None] = mapped_column(String(120), default=None)
    script: Mapped[str | None] = mapped_column(String(4), default=None)
    name_variants: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    name_key: Mapped[str | None] = mapped_column(String(240), index=True, default=None)
    sex: Mapped[str | None] = mapped_column(String(1), default=None)
    birth_date: Mapped[str | None] = mapped_column(PARTIAL_DATE, default=None)
    birth_place: Mapped[str | None] = mapped_column(String(120), default=None)
    nationality: Mapped[str | None] = mapped_column(String(2), default=None)

    documents: Mapped[list[IdentityDocument]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )


class PersonNameWord(Base):
    """One word of a person's name key, lower-cased: finds persons by any word's beginning.

    Derived from `Person.name_key` on every write (mapper events below; `records.bulk` for
    rows written in bulk); not a record, so it has no audit entries of its own.
    """

    __tablename__ = "person_name_words"
    # On SQLite the rows live in the primary-key B-tree itself: half the size, one lookup.
    __table_args__ = (
        Index("ix_person_name_words_person", "person_id"),
        {"sqlite_with_rowid": False},
    )

    word: Mapped[str] = mapped_column(NAME_WORD, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )


def name_key_words(key: str | None) -> list[str]:
    """Return the distinct words of a name key as a person search compares them (lower case)."""
    return sorted({word.lower() for word in (key or "").split()})


def write_name_words(conn: Connection, keys: dict[int, str | None], *, replace: bool) -> None:
    """Store the name-key words of persons {id: name_key}, replacing theirs when `replace`."""
    ids = list(keys) if replace else []
    for start in range(0, len(ids), 1000):  # bounded lists of bound values
        chunk = ids[start : start + 1000]
        conn.execute(delete(PersonNameWord).where(PersonNameWord.person_id.in_(chunk)))
    rows = [{"word": w, "person_id": pid} for pid, key in keys.items() for w in name_key_words(key)]
    if rows:
        conn.execute(insert(PersonNameWord), rows)


class IdentityDocument(Base):
    """An identity document of a person."""

    __tablename__ = "identity_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(60), index=True)
    issuing_country: Mapped[str | None] = mapped_column(String(2), default=None)

    person: Mapped[Person] = relationship(back_populates="documents")


class Vehicle(RecordMixin, Base):
    """A vehicle with its plate as read and normalised."""

    __tablename__ = "vehicles"
    __table_args__ = _ext_unique("vehicles")

    plate_raw: Mapped[str | None] = mapped_column(String(40), default=None)
    plate_normalised: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    registration_country: Mapped[str | None] = mapped_column(String(2), default=None)
    vin: Mapped[str | None] = mapped_column(String(17), index=True, default=None)
    make: Mapped[str | None] = mapped_column(String(80), default=None)
    model: Mapped[str | None] = mapped_column(String(80), default=None)
    colour: Mapped[str | None] = mapped_column(String(40), default=None)


class Phone(RecordMixin, Base):
    """A phone number as written and in E.164."""

    __tablename__ = "phones"
    __table_args__ = _ext_unique("phones")

    number_raw: Mapped[str] = mapped_column(String(40))
    e164: Mapped[str | None] = mapped_column(String(20), index=True, default=None)
    country: Mapped[str | None] = mapped_column(String(2), default=None)


class Organisation(RecordMixin, Base):
    """A criminal group, dealer or company."""

    __tablename__ = "organisations"
    __table_args__ = _ext_unique("organisations")

    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="other")


class OnlineAccount(RecordMixin, Base):
    """An account on an online platform."""

    __tablename__ = "online_accounts"
    __table_args__ = _ext_unique("online_accounts")

    platform: Mapped[str] = mapped_column(String(40))
    handle: Mapped[str | None] = mapped_column(String(120), index=True, default=None)
    url: Mapped[str | None] = mapped_column(String(500), default=None)


class IntelReport(RecordMixin, Base):
    """An intelligence report graded on the EU 4x4 scale."""

    __tablename__ = "intel_reports"
    __table_args__ = _ext_unique("intel_reports")

    text: Mapped[str] = mapped_column(Text)
    source_grade: Mapped[str] = mapped_column(String(1))
    information_grade: Mapped[str] = mapped_column(String(1))
    handling_restriction: Mapped[str | None] = mapped_column(Text, default=None)
    reported_on: Mapped[date | None] = mapped_column(Date, default=None)


class Link(RecordMixin, Base):
    """A typed relationship between two records, with role, time, source and confidence."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("jurisdiction", "external_ref", name="uq_links_external"),
        Index("ix_links_from", "from_type", "from_id"),
        Index("ix_links_to", "to_type", "to_id"),
    )

    kind: Mapped[str] = mapped_column(String(40))
    from_type: Mapped[str] = mapped_column(String(40))
    from_id: Mapped[int] = mapped_column(Integer)
    to_type: Mapped[str] = mapped_column(String(40))
    to_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(40), default=None)
    valid_from: Mapped[str | None] = mapped_column(PARTIAL_DATE, default=None)
    valid_to: Mapped[str | None] = mapped_column(PARTIAL_DATE, default=None)
    confidence: Mapped[float | None] = mapped_column(Float, default=None)


# Record type name (as used in links, imports, the API and the audit log) -> model class.
RECORD_MODELS: dict[str, type[RecordMixin]] = {
    "case": Case,
    "event": Event,
    "place": Place,
    "firearm": Firearm,
    "ammunition": AmmunitionLot,
    "explosive": Explosive,
    "component": Component,
    "person": Person,
    "vehicle": Vehicle,
    "phone": Phone,
    "organisation": Organisation,
    "online_account": OnlineAccount,
    "intel_report": IntelReport,
    "link": Link,
}


class Attachment(Base):
    """A file (photo of a weapon, a document) attached to a record, kept by its SHA-256."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    jurisdiction: Mapped[str] = mapped_column(String(2), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    uploaded_by: Mapped[str] = mapped_column(String(80), default="system")
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Provenance(Base):
    """Where a foreign record came from: the provider, the message, its handling code and grades.

    A record received through the exchange keeps its provider's jurisdiction; this row makes it
    visible to the node that holds it (`held_by`) and carries the provider's conditions, which
    records.handling enforces on every route. One row per record; a later message about the same
    record (same provider and reference) updates it.
    """

    __tablename__ = "record_provenance"
    __table_args__ = (
        UniqueConstraint("provider", "record_type", "remote_ref", name="uq_provenance_remote"),
        UniqueConstraint("record_type", "record_id", name="uq_provenance_record"),
        Index("ix_provenance_held", "record_type", "held_by", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    held_by: Mapped[str] = mapped_column(String(2))
    provider: Mapped[str] = mapped_column(String(2))
    remote_ref: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(36))
    share_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    handling_code: Mapped[str] = mapped_column(String(2))
    restriction: Mapped[str | None] = mapped_column(Text, default=None)
    source_grade: Mapped[str] = mapped_column(String(1), default="X")
    information_grade: Mapped[str] = mapped_column(String(1), default="4")
    request_ref: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    operation_ref: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # When matching last compared this record with the node's own (None: not yet, or changed).
    matched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
