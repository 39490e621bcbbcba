"""The records behind a product's statements: references, labels, and the marking they impose.

Every figure of a problem or subject profile names the records it counts ("event:12"), at most
`SHOWN` of them, so a reader can open what a statement rests on. `Evidence` gathers every
record a product draws on and returns the strictest handling code among them (own records'
codes and the codes received records came with), the H3 texts and the providers: a product is
never marked weaker than what it is made of.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from armsbridge.analysis.service import strictest
from armsbridge.records.handling import markings_of
from armsbridge.records.labels import TYPES, title_of

SHOWN = 20  # records named behind one figure
CHUNK = 900  # ids per IN (), under SQLite's bound on parameters


def ref(record_type: str, record: Any) -> str:
    """Return the reference of a record as statements name it: "type:id"."""
    return f"{record_type}:{record.id}"


def href(reference: str) -> str | None:
    """Return the record page of a reference, None when the type has no page."""
    record_type, _, record_id = reference.partition(":")
    return f"/records/{TYPES[record_type][0]}/{record_id}" if record_type in TYPES else None


def chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    """Yield sorted ids in lists short enough for one IN ()."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        yield wanted[start : start + CHUNK]


@dataclass
class Evidence:
    """Every record a product draws on, by type; their marking once collected."""

    records: dict[str, dict[int, Any]] = field(default_factory=dict)

    def add(self, record_type: str, rows: Iterable[Any]) -> None:
        """Note records a product draws on."""
        bucket = self.records.setdefault(record_type, {})
        for row in rows:
            bucket[row.id] = row

    def label(self, reference: str) -> str:
        """Return the title of a noted record (its reference when not noted)."""
        record_type, _, record_id = reference.partition(":")
        row = self.records.get(record_type, {}).get(int(record_id or 0))
        return title_of(record_type, row) if row is not None else reference

    def marking(self, session: Session) -> dict[str, Any]:
        """Return the strictest code of the records noted, the H3 texts and the providers."""
        items = [(t, i) for t, rows in self.records.items() for i in rows]
        received = markings_of(session, items)
        codes, restrictions, providers = [], set(), set()
        for record_type, rows in self.records.items():
            for record_id, row in rows.items():
                mark = received.get((record_type, record_id))
                codes.append(mark.handling_code if mark else (row.handling_code or "H0"))
                if mark is not None:
                    providers.add(mark.provider)
                    if mark.restriction:
                        restrictions.add(mark.restriction)
        return {
            "handling_code": strictest(codes),
            "restrictions": sorted(restrictions),
            "providers": sorted(providers),
            "received": sum(1 for _ in received),
            "records": len(items),
        }

    def received_refs(self, session: Session) -> dict[str, str]:
        """Return {reference: provider} of the noted records received through the exchange."""
        items = [(t, i) for t, rows in self.records.items() for i in rows]
        return {f"{t}:{i}": m.provider for (t, i), m in markings_of(session, items).items()}
