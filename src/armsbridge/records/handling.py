"""Handling codes of foreign records: the notice every view shows, and what may leave the node.

A record received through the exchange carries its provider's handling code (SIENA, DOMAIN.md
§5) in its `Provenance` row. H0: use only to prevent and combat crime. H1: not to be used in
judicial proceedings without the provider's permission (a notice on every view). H2: not to be
disseminated further without the provider's permission: no export, no sharing, no download
carries it off the node (`check_disseminable`, `undisseminable`). H3: the provider's own
restriction, shown in its words on every view. The node's own records have no provenance and
are governed by restrict() alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from armsbridge.errors import PermissionDenied
from armsbridge.i18n_marker import N_
from armsbridge.records.models import Provenance

NO_DISSEMINATION = "H2"
NOTICES = {
    "H0": N_("Received from %(provider)s: use only to prevent and combat crime."),
    "H1": N_(
        "Received from %(provider)s: not to be used in judicial proceedings without the "
        "permission of %(provider)s."
    ),
    "H2": N_(
        "Received from %(provider)s: not to be disseminated further without the permission of "
        "%(provider)s. It cannot be exported, downloaded or shared."
    ),
    "H3": N_("Received from %(provider)s, with this restriction: %(restriction)s"),
}

# What a row of a list or search result says beside the mark (H3: the provider's own text).
SHORT_NOTICES = {
    "H0": N_("crime prevention only"),
    "H1": N_("not for judicial use without permission"),
    "H2": N_("no further dissemination"),
}


class DisseminationBlocked(PermissionDenied):
    """A foreign record received under H2 was to leave the node (export, share, download)."""


@dataclass(frozen=True)
class Marking:
    """A foreign record's provenance as views show it."""

    record_type: str
    record_id: int
    provider: str
    handling_code: str
    restriction: str | None
    source_grade: str
    information_grade: str
    received_at: datetime
    message_id: str
    request_ref: str | None
    operation_ref: str | None

    @property
    def notice(self) -> str:
        """Return the untranslated notice template; format it with `notice_args`."""
        return NOTICES.get(self.handling_code, NOTICES["H3"])

    @property
    def short_notice(self) -> str | None:
        """Return the untranslated few words a list row shows, or None for H3 (its own text)."""
        return SHORT_NOTICES.get(self.handling_code)

    @property
    def notice_args(self) -> dict[str, str]:
        """Return the values the notice names."""
        return {"provider": self.provider, "restriction": self.restriction or "-"}

    @property
    def grades(self) -> str:
        """Return the 4x4 evaluation as written on intelligence, e.g. "B2"."""
        return f"{self.source_grade}{self.information_grade}"

    @property
    def blocks_dissemination(self) -> bool:
        """True when the record may not leave this node (H2)."""
        return self.handling_code == NO_DISSEMINATION

    def as_dict(self) -> dict[str, Any]:
        """Return the marking as JSON-ready values (API answers carry it with the record)."""
        return {
            "provider": self.provider,
            "handling_code": self.handling_code,
            "restriction": self.restriction,
            "grades": self.grades,
            "received_at": self.received_at.isoformat(),
            "message_id": self.message_id,
            "notice": self.notice % self.notice_args,
        }


def _marking(row: Provenance) -> Marking:
    return Marking(
        record_type=row.record_type,
        record_id=row.record_id,
        provider=row.provider,
        handling_code=row.handling_code,
        restriction=row.restriction,
        source_grade=row.source_grade,
        information_grade=row.information_grade,
        received_at=row.received_at,
        message_id=row.message_id,
        request_ref=row.request_ref,
        operation_ref=row.operation_ref,
    )


def markings(session: Session, record_type: str, ids: Iterable[int]) -> dict[int, Marking]:
    """Return {record id: marking} for the foreign records among `ids` (own records absent)."""
    wanted = sorted(set(ids))
    found: dict[int, Marking] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        rows = session.scalars(
            select(Provenance).where(
                Provenance.record_type == record_type, Provenance.record_id.in_(chunk)
            )
        )
        found.update({row.record_id: _marking(row) for row in rows})
    return found


def marking(session: Session, record_type: str, record_id: int) -> Marking | None:
    """Return the marking of one record, or None for the node's own records."""
    return markings(session, record_type, [record_id]).get(record_id)


def undisseminable(record_type: str) -> Select:
    """Return a select of the ids of `record_type` received under H2 (exports leave them out)."""
    return select(Provenance.record_id).where(
        Provenance.record_type == record_type, Provenance.handling_code == NO_DISSEMINATION
    )


def check_disseminable(session: Session, items: Sequence[tuple[str, int]], *, route: str) -> None:
    """Raise DisseminationBlocked when any (record type, id) was received under H2."""
    by_type: dict[str, list[int]] = {}
    for record_type, record_id in items:
        by_type.setdefault(record_type, []).append(record_id)
    for record_type, ids in sorted(by_type.items()):
        found = markings(session, record_type, ids).values()
        blocked = [m for m in found if m.blocks_dissemination]
        if blocked:
            first = blocked[0]
            raise DisseminationBlocked(
                N_(
                    "%(record_type)s %(record_id)s was received from %(provider)s under H2 (not "
                    "to be disseminated further without the provider's permission): %(route)s is "
                    "refused; ask %(provider)s for permission through an information request"
                ),
                values={
                    "record_type": record_type,
                    "record_id": first.record_id,
                    "provider": first.provider,
                    "route": route,
                },
            )


def markings_of(
    session: Session, items: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], Marking]:
    """Return {(record type, id): marking} for the foreign records among `items` (pages, lists)."""
    by_type: dict[str, set[int]] = {}
    for record_type, record_id in items:
        by_type.setdefault(record_type, set()).add(record_id)
    found: dict[tuple[str, int], Marking] = {}
    for record_type, ids in by_type.items():
        for record_id, mark in markings(session, record_type, ids).items():
            found[(record_type, record_id)] = mark
    return found


def provenance_of(session: Session, record_type: str, ids: Iterable[int]) -> dict[int, dict]:
    """Return {record id: the `provenance` object API answers carry} for the foreign records."""
    return {rid: m.as_dict() for rid, m in markings(session, record_type, ids).items()}


def held_markings(session: Session, record_type: str) -> dict[int, Marking]:
    """Return the markings of every foreign record of `record_type` (exports mark each row)."""
    rows = session.scalars(select(Provenance).where(Provenance.record_type == record_type))
    return {row.record_id: _marking(row) for row in rows}


@dataclass
class Withheld:
    """What an export left out because it was received under H2, and why (the export says so)."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        """Return how many records were left out."""
        return sum(self.counts.values())

    def reason(self) -> str:
        """Return the sentence an export writes beside its files (and the CLI prints)."""
        parts = ", ".join(f"{t} {n}" for t, n in sorted(self.counts.items()) if n)
        return (
            f"{self.total} record(s) left out ({parts or 'none'}): received from the other "
            "service under handling code H2, not to be disseminated further without the "
            "provider's permission. Ask the provider through an information request."
        )
