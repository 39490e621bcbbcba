"""The match review pages: the queue of suggestions, bulk decisions with a preview, clusters."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import NotFound, ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.matching import review
from armsbridge.matching.models import MatchLink
from armsbridge.matching.service import MATCH_STATUS_LABELS, MATCH_TYPES
from armsbridge.records.handling import markings_of
from armsbridge.records.labels import TYPES, field_label, page_title_of, page_value
from armsbridge.records.reading import check_justification, needs_justification
from armsbridge.vocab.registry import by_slug
from armsbridge.web.access_log import log_now
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reader = Annotated[Principal, Depends(require("record.read"))]
Decider = Annotated[Principal, Depends(require("record.update"))]
PAGE_SIZE = 20
BORDER_LABELS = {
    "any": N_("either"),
    "cross": N_("cross-border only"),
    "domestic": N_("same service only"),
}


def _filter(type_: str, status: str, border: str, low: float, high: float) -> review.QueueFilter:
    wanted = review.QueueFilter(
        None if type_ == "all" else type_, status, border, float(low), float(high)
    )
    return wanted.checked()


def _query(wanted: review.QueueFilter, why: str, **extra: Any) -> str:
    """The queue's query string for `wanted` (and `extra`), as the filter form writes it."""
    values = {
        "type": wanted.entity_type or "all",
        "status": wanted.status,
        "border": wanted.border,
        "min": f"{wanted.low:g}",
        "max": f"{wanted.high:g}",
    }
    if why:
        values["why"] = why
    values.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(values)


def _why(wanted_types: tuple[str, ...], why: str) -> tuple[str | None, bool]:
    """Return (justification, whether one is still needed) for showing records of these types."""
    personal = [t for t in wanted_types if needs_justification(t)]
    try:
        return check_justification(personal[0] if personal else wanted_types[0], why), False
    except ValidationFailed:
        return None, True


def _log_shown(request: Request, db: DB, user: Principal, pairs: list, why: str | None) -> None:
    """One consult entry per record type naming every record the page shows, with the matches."""
    by_type: dict[str, set[int]] = {}
    for p in pairs:
        by_type.setdefault(p.match.entity_type, set()).update((p.left.id, p.right.id))
    for record_type, ids in by_type.items():
        log_now(
            request,
            db,
            user=user,
            action="consult",
            record_type=record_type,
            why=why,
            details={
                "ids": sorted(ids),
                "matches": [p.match.id for p in pairs if p.match.entity_type == record_type],
            },
        )


def _context(user: Principal, why: str | None, pairs: list, **extra: Any) -> dict[str, Any]:
    return {
        "TYPES": TYPES,
        "title_of": page_title_of,
        "field_label": field_label,
        "shown_value": page_value,
        "labels": review.COMPARISON_LABELS,
        "match_status": MATCH_STATUS_LABELS,
        "match_types": MATCH_TYPES,
        "statuses": review.STATUS_CHOICES,
        "border_labels": BORDER_LABELS,
        "can_decide": role_allows(user.role, "record.update"),
        "why": why or "",
        "pairs": pairs,
        "marks": {},
        **extra,
    }


def _marks(db: DB, pairs: list) -> dict:
    items = [(p.match.entity_type, r.id) for p in pairs for r in (p.left, p.right)]
    return markings_of(db, items)


@router.get("/matches")
def review_page(
    request: Request,
    db: DB,
    user: Reader,
    type: str = "person",  # noqa: A002 - the query parameter's name
    status: str = "open",
    border: str = "any",
    low: Annotated[float, Query(alias="min", ge=0, le=1)] = 0.0,
    high: Annotated[float, Query(alias="max", ge=0, le=1)] = 1.0,
    page: Annotated[int, Query(ge=1)] = 1,
    why: str = "",
    done: int = 0,
    bulk: int = -1,
) -> Response:
    """The review queue: suggestions side by side with their evidence, filtered and paged."""
    wanted = _filter(type, status, border, low, high)
    reason, ask = _why(wanted.types(), why)
    base = _context(user, reason, [], wanted=wanted, qs=_query(wanted, reason or ""))
    if ask:
        return render(request, "matching/review_justify.html", base)
    found = review.queue(db, user=user, wanted=wanted)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(page, pages)
    shown = review.load(db, found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    pairs = review.pairs_for(db, user=user, matches=shown)
    accepted = 0
    if not found and wanted.status == "open":  # say where the engine's own decisions are
        sure = review.QueueFilter(wanted.entity_type, "auto_accepted", wanted.border)
        accepted = len(review.queue(db, user=user, wanted=sure))
    last = None
    decided = db.get(MatchLink, done) if done else None
    if decided is not None:  # a stale or foreign number in the address shows no line
        last_pairs = review.pairs_for(db, user=user, matches=[decided], clusters=False)
        last = last_pairs[0] if last_pairs else None
    everything = pairs + ([last] if last else [])
    _log_shown(request, db, user, everything, reason)
    return render(
        request,
        "matching/review.html",
        {
            **base,
            "pairs": pairs,
            "total": len(found),
            "page": page,
            "pages": pages,
            "last": last,
            "bulk_done": bulk,
            "accepted": accepted,
            "accepted_qs": _query(
                review.QueueFilter(wanted.entity_type, "auto_accepted", wanted.border),
                reason or "",
            ),
            "marks": _marks(db, everything),
            "here": f"/matches?{_query(wanted, reason or '', page=page if page > 1 else None)}",
        },
    )


@router.get("/matches/bulk")
def bulk_preview(
    request: Request,
    db: DB,
    user: Decider,
    decision: str,
    type: str = "person",  # noqa: A002 - the query parameter's name
    status: str = "open",
    border: str = "any",
    low: Annotated[float, Query(alias="min", ge=0, le=1)] = 0.0,
    high: Annotated[float, Query(alias="max", ge=0, le=1)] = 1.0,
    why: str = "",
) -> Response:
    """The confirmation step of a bulk decision: how many suggestions it will decide, and how."""
    if decision not in review.BULK_DECISIONS:
        raise ValidationFailed(
            N_("unknown bulk decision %(decision)r"),
            [{"field": "decision", "value": decision, "expected": "confirm, reject, unsure"}],
            values={"decision": decision},
        )
    wanted = _filter(type, status, border, low, high)
    reason, ask = _why(wanted.types(), why)
    base = _context(user, reason, [], wanted=wanted, qs=_query(wanted, reason or ""))
    if ask:
        return render(request, "matching/review_justify.html", base)
    found = review.queue(db, user=user, wanted=wanted)[: review.BULK_LIMIT]
    return render(
        request,
        "matching/review_bulk.html",
        {
            **base,
            "decision": decision,
            "count": len(found),
            "ids": ",".join(str(m.id) for m in found),
            "lowest": min((m.probability for m in found), default=None),
            "highest": max((m.probability for m in found), default=None),
        },
    )


@router.post("/matches/bulk")
def bulk_apply(
    db: DB,
    user: Decider,
    decision: Annotated[str, Form()],
    ids: Annotated[str, Form()],
    type: Annotated[str, Form()] = "person",  # noqa: A002 - the form field's name
    status: Annotated[str, Form()] = "open",
    border: Annotated[str, Form()] = "any",
    low: Annotated[float, Form(alias="min", ge=0, le=1)] = 0.0,
    high: Annotated[float, Form(alias="max", ge=0, le=1)] = 1.0,
    why: Annotated[str, Form()] = "",
) -> Response:
    """Apply a previewed bulk decision: each suggestion decided (and audited) on its own."""
    wanted = _filter(type, status, border, low, high)
    try:
        match_ids = [int(x) for x in ids.split(",") if x.strip()]
    except ValueError as exc:
        raise ValidationFailed(
            "ids: a comma-separated list of match ids (open the preview again)",
            [{"field": "ids", "value": ids[:40], "expected": "match ids"}],
        ) from exc
    result = review.bulk_decide(
        db, user=user, wanted=wanted, decision=decision, match_ids=match_ids, note=why or None
    )
    return RedirectResponse(f"/matches?{_query(wanted, why, bulk=result.decided)}", 303)


@router.get("/matches/clusters/{slug}/{record_id}")
def cluster_page(
    request: Request, db: DB, user: Reader, slug: str, record_id: int, why: str = ""
) -> Response:
    """One cluster of records joined by suggestions and accepted matches, shown as one entity."""
    named = by_slug(slug)
    entity_type = named.name if named is not None else ""
    if entity_type not in MATCH_TYPES:
        raise NotFound(
            N_("no matches of %(slug)s: use persons, firearms, vehicles or phones"),
            values={"slug": slug},
        )
    reason, ask = _why((entity_type,), why)
    wanted = review.QueueFilter(entity_type)
    base = _context(user, reason, [], wanted=wanted, qs=_query(wanted, reason or ""))
    if ask:
        return render(request, "matching/review_justify.html", base)
    members = review.components(db, user=user, entity_type=entity_type).get(record_id)
    records = review.records_of(db, user=user, entity_type=entity_type, ids=members or ())
    if not members or record_id not in records:
        raise NotFound(
            N_("no cluster of matches around %(slug)s %(record_id)s that you may see"),
            values={"slug": slug, "record_id": record_id},
        )
    matches = review.cluster_matches(db, user=user, entity_type=entity_type, members=members)
    pairs = review.pairs_for(db, user=user, matches=matches, clusters=False)
    _log_shown(request, db, user, pairs, reason)
    shown = [records[i] for i in sorted(records)]
    return render(
        request,
        "matching/cluster.html",
        {
            **base,
            "entity_type": entity_type,
            "members": shown,
            "fields": review.PAIR_FIELDS[entity_type],
            "pairs": pairs,
            "marks": markings_of(db, [(entity_type, r.id) for r in shown]),
            "here": f"/matches/clusters/{slug}/{record_id}"
            + (f"?{urlencode({'why': reason})}" if reason else ""),
        },
    )
