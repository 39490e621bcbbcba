"""Records received from the other service, made directly: an MK record held by XK + Provenance.

Each handling code gets a person, firearm, vehicle, phone, case and place whose values are unique
marker strings (so a test can search any answer or file for them), distinct grades (so a marking
names its code), and the H2 ones a link among them; `grant_to` lets an account see the H2/H3
ones, as an explicit grant would.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from armsbridge.auth.models import AccessGrant
from armsbridge.records import service as records
from armsbridge.records.models import Provenance
from principals import as_actor

CODES = ("H0", "H1", "H2", "H3")
GRADES = {"H0": ("A", "1"), "H1": ("B", "2"), "H2": ("C", "3"), "H3": ("X", "4")}
RESTRICTION = "Only for the Tetovo operation Zqr3; not to the prosecutor"
TYPES = ("person", "firearm", "vehicle", "phone", "case", "place")


def markers(code: str) -> dict[str, str]:
    """The distinctive values of the records received under `code` (by field)."""
    n = code[1]
    word = ("nulla", "edna", "dvojka", "trojka")[int(n)]  # names are letters only
    return {
        "given_name": f"Qzgiven{word}",
        "family_name": f"Wxfamily{word}",
        "serial_raw": f"QZ{n}7{n}9W{n}",
        "plate_raw": f"SK {n}{n}7{n} QZ",
        "number_raw": f"+38975{n}{n}{n}{n}{n}{n}",
        "reference": f"MK-QZCASE-{n}{n}{n}",
        "name": f"Qzplace{n}",
    }


def _data(record_type: str, code: str) -> dict[str, str]:
    m = markers(code)
    return {
        "person": {"given_name": m["given_name"], "family_name": m["family_name"]},
        "firearm": {"make": "Zastava", "model": "M70", "serial_raw": m["serial_raw"]},
        "vehicle": {"plate_raw": m["plate_raw"], "make": "Golf"},
        "phone": {"number_raw": m["number_raw"]},
        "case": {"reference": m["reference"], "kind": "trafficking"},
        "place": {"name": m["name"]},
    }[record_type]


@dataclass
class Foreign:
    """The ids of the foreign records, by (code, type)."""

    ids: dict[tuple[str, str], int] = field(default_factory=dict)

    def of(self, code: str) -> list[tuple[str, int]]:
        """Return the (type, id) of every record received under `code`."""
        return [(t, i) for (c, t), i in self.ids.items() if c == code]


def add_foreign(
    session: Session,
    *,
    record_type: str,
    data: dict,
    code: str,
    provider: str = "MK",
    held_by: str = "XK",
) -> int:
    """Store one record as the exchange does: the provider's jurisdiction, a Provenance row."""
    record = records.create_record(
        session,
        record_type=record_type,
        data={**data, "jurisdiction": provider, "handling_code": code},
        user=as_actor("exchange", provider),
    )
    source, information = GRADES[code]
    session.add(
        Provenance(
            record_type=record_type,
            record_id=record.id,
            held_by=held_by,
            provider=provider,
            remote_ref=uuid.uuid4().hex,
            message_id=str(uuid.uuid4()),
            handling_code=code,
            restriction=RESTRICTION if code == "H3" else None,
            source_grade=source,
            information_grade=information,
        )
    )
    session.flush()
    return record.id


def add_foreign_world(session: Session) -> Foreign:
    """Foreign records of every type in TYPES under every code, and a link among the H2 ones."""
    world = Foreign()
    for code in CODES:
        for record_type in TYPES:
            world.ids[(code, record_type)] = add_foreign(
                session, record_type=record_type, data=_data(record_type, code), code=code
            )
    link = records.link_records(
        session,
        kind="owner_of",
        from_type="person",
        from_id=world.ids[("H2", "person")],
        to_type="firearm",
        to_id=world.ids[("H2", "firearm")],
        user=as_actor("exchange", "MK"),
    )
    session.add(
        Provenance(
            record_type="link",
            record_id=link.id,
            held_by="XK",
            provider="MK",
            remote_ref=uuid.uuid4().hex,
            message_id=str(uuid.uuid4()),
            handling_code="H2",
            source_grade="C",
            information_grade="3",
        )
    )
    world.ids[("H2", "link")] = link.id
    session.flush()
    return world


def grant_to(session: Session, world: Foreign, user_id: int) -> None:
    """Let one account see every H2/H3 foreign record (an explicit grant each)."""
    for (code, record_type), record_id in world.ids.items():
        if code in ("H2", "H3"):
            session.add(
                AccessGrant(
                    record_type=record_type,
                    record_id=record_id,
                    user_id=user_id,
                    granted_by="setup",
                    reason="test of handling codes",
                )
            )
    session.flush()
