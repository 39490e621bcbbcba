"""REST API of the firearms domain: categorisation and serial search.

`POST /api/firearm-categories` categorises facts, `GET /api/firearm-serials` searches serials,
`/api/firearms/{id}/category` and `/api/firearms/{id}/facts` belong to a record (the records API
owns `/api/firearms/{id}`, so the two searches live beside it, not under it).

Categorising facts reads no record (`record.read` is still required: it is an operational tool).
Serial search needs `search`, sees only the firearms `restrict()` lets the user read, and is
logged as a search naming the pattern and every id returned. Facts written to a record need
`record.update` on that record and are logged before/after by the service.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from pydantic import BaseModel

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.firearms import service
from armsbridge.firearms.assess import assess, split_identity
from armsbridge.firearms.schemas import CategoryResult, parse_facts
from armsbridge.i18n_marker import N_
from armsbridge.records.api_schemas import ProvenanceOut
from armsbridge.records.handling import provenance_of
from armsbridge.records.reading import read_record
from armsbridge.records.service import writable_record

router = APIRouter(prefix="/api", tags=["firearms"])
Reader = Annotated[Principal, Depends(require("record.read"))]
Searcher = Annotated[Principal, Depends(require("search"))]
Updater = Annotated[Principal, Depends(require("record.update"))]
FirearmId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_ITEMS = 1000
FACTS_EXAMPLE = {
    "kind": "pistol",
    "action": "semi_automatic",
    "ignition": "centre_fire",
    "barrel_length_cm": 11,
    "magazine_capacity": 21,
}


class SerialHit(BaseModel):
    """One firearm found by serial, with how many read characters matched only as misreadings."""

    id: int
    jurisdiction: str
    external_ref: str | None
    serial_raw: str | None
    serial_normalised: str | None
    make: str | None
    model: str | None
    misread_characters: int
    score: float
    provenance: ProvenanceOut | None = None


class StoredCategory(CategoryResult):
    """The category stored on a firearm record."""

    firearm_id: int
    provenance: ProvenanceOut | None = None


@router.post("/firearm-categories")
def categorize(
    user: Reader,
    body: Annotated[
        dict[str, Any] | list[dict[str, Any]],
        Body(
            openapi_examples={"one": {"value": FACTS_EXAMPLE}, "list": {"value": [FACTS_EXAMPLE]}}
        ),
    ],
) -> CategoryResult | list[CategoryResult]:
    """Legal category (Directive 2021/555 Annex I) of one set of facts or of a list of them.

    Each object may also give `make`, `model`, `calibre` and `markings` as read: the reference
    facts they identify fill what the object does not state. An undetermined answer may carry a
    provisional point with `alternatives: [{point, if}]`.
    """
    if isinstance(body, list):
        if len(body) > MAX_ITEMS:
            raise ValidationFailed(
                N_("at most %(max_items)s items per request, got %(count_body)s"),
                values={"max_items": MAX_ITEMS, "count_body": len(body)},
            )
        return [_assess_item(item, f"item {i + 1}") for i, item in enumerate(body)]
    return _assess_item(body, "input")


def _assess_item(item: dict[str, Any], where: str) -> CategoryResult:
    plain, identity = split_identity(item)
    return assess(parse_facts(plain, where=where), **identity)


@router.get("/firearm-serials")
def search_serials(
    db: DB,
    user: Searcher,
    pattern: Annotated[str, Query(min_length=1, max_length=80, pattern=r"^[^\x00]*$")],
    jurisdiction: Annotated[str | None, Query(max_length=2, pattern=r"^[A-Z]{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[SerialHit]:
    """Firearms by full or partial serial (`?` one unread character, `*` any run), best first."""

    hits = service.search_serials_as(
        db, user=user, pattern=pattern, jurisdiction=jurisdiction, limit=limit
    )
    return [SerialHit(**h) for h in hits]


@router.get("/firearms/{record_id}/category")
def stored_category(db: DB, user: Reader, record_id: FirearmId) -> StoredCategory:
    """The category stored on a firearm record, with its reasons and missing facts."""
    firearm = read_record(db, user=user, record_type="firearm", record_id=record_id)
    result = service.stored_result(firearm)
    return StoredCategory(
        firearm_id=firearm.id,
        provenance=provenance_of(db, "firearm", [firearm.id]).get(firearm.id),
        **result.model_dump(),
    )


@router.post("/firearms/{record_id}/facts")
def store_facts(
    db: DB,
    user: Updater,
    record_id: FirearmId,
    body: Annotated[dict[str, Any], Body(openapi_examples={"one": {"value": FACTS_EXAMPLE}})],
) -> StoredCategory:
    """Add categorisation facts to a firearm record (merged) and return its new category."""
    firearm = writable_record(db, user=user, record_type="firearm", record_id=record_id)
    result = service.set_facts(db, firearm_id=firearm.id, facts=body, user=user)
    provenance = provenance_of(db, "firearm", [firearm.id]).get(firearm.id)
    return StoredCategory(firearm_id=firearm.id, provenance=provenance, **result.model_dump())
