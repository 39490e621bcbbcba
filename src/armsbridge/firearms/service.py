"""Firearms services: categorise records, spot conversions, identify, search serials, trace."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.permissions import restrict
from armsbridge.auth.principal import Principal
from armsbridge.errors import NotFound, ValidationFailed
from armsbridge.firearms.calibre import lookup_calibre, normalise_calibre
from armsbridge.firearms.categories import categorize, load_rules
from armsbridge.firearms.conversion import ConversionCheck, Lot, evaluate
from armsbridge.firearms.derive import apply_derived, categorize_record, write_grams
from armsbridge.firearms.models import TraceRequest
from armsbridge.firearms.reference import find_entry, parse_markings
from armsbridge.firearms.schemas import OBSERVATIONS, CategoryResult, parse_facts
from armsbridge.firearms.serial_search import search_serials
from armsbridge.i18n_marker import N_
from armsbridge.records.handling import provenance_of
from armsbridge.records.models import AmmunitionLot, Firearm
from armsbridge.records.service import writable_record
from armsbridge.vocab.service import check_code, load_enums

__all__ = [
    "categorize_facts",
    "stored_result",
    "categorize_firearm",
    "set_facts",
    "check_conversion",
    "check_conversions",
    "explain_conversion",
    "recheck_for_ammunition",
    "identify",
    "refresh_firearms",
    "search_serials",
    "add_trace_request",
    "record_trace_answer",
    "set_trace_status",
    "trace_log",
    "trace_summary",
]


def _firearm(session: Session, firearm_id: int) -> Firearm:
    firearm = session.get(Firearm, firearm_id)
    if firearm is None:
        raise NotFound(N_("firearm %(firearm_id)s not found"), values={"firearm_id": firearm_id})
    return firearm


def categorize_facts(facts: dict[str, Any]) -> CategoryResult:
    """Validate facts (unknown fields are an error) and return their legal category."""
    return categorize(parse_facts(facts))


def stored_result(firearm: Firearm) -> CategoryResult:
    """The category stored on a record, with the provisional answer and reference it came with."""
    stored = CategoryResult(
        category=firearm.category or "undetermined",  # type: ignore[arg-type]
        point=firearm.category_point,
        reasons=list(firearm.category_reasons or []),
        missing=list(firearm.category_missing or []),
        rules_version=firearm.rules_version or load_rules().version,
    )
    live = categorize_record(firearm)
    # Only what the stored columns do not keep, and only when computed by the same rules.
    if live.rules_version == stored.rules_version and live.category == stored.category:
        stored.provisional = live.provisional
        stored.provisional_category = live.provisional_category
        stored.alternatives = live.alternatives
        stored.reference = live.reference
        stored.contradictions = live.contradictions
    return stored


def categorize_firearm(session: Session, *, firearm_id: int) -> CategoryResult:
    """Recompute and store the category of a firearm record from its columns and facts."""
    firearm = _firearm(session, firearm_id)
    apply_derived(firearm)
    session.flush()
    return stored_result(firearm)


def search_serials_as(
    session: Session, *, user: Principal, pattern: str, jurisdiction: str | None, limit: int
) -> list[dict[str, Any]]:
    """Serial search over the firearms `user` may read; the search is logged with the hits."""

    def visible(stmt: Any) -> Any:
        return restrict(stmt, user, "record.read", model=Firearm)

    hits = search_serials(
        session, pattern=pattern, jurisdiction=jurisdiction, limit=limit, restrict=visible
    )
    marks = provenance_of(session, "firearm", [h["id"] for h in hits])
    for hit in hits:
        hit["provenance"] = marks.get(hit["id"])
    log_access(
        session,
        user=user,
        action="search",
        record_type="firearm",
        details={"serial_pattern": pattern, "ids": [h["id"] for h in hits]},
    )
    return hits


def set_facts(
    session: Session, *, firearm_id: int, facts: dict[str, Any], user: Principal, merge: bool = True
) -> CategoryResult:
    """Store categorisation facts (and conversion observations) on a firearm and recategorise."""
    firearm = writable_record(session, user=user, record_type="firearm", record_id=firearm_id)
    observations = {k: v for k, v in facts.items() if k in OBSERVATIONS}
    for key, value in observations.items():
        if value is not None and not isinstance(value, bool):
            raise ValidationFailed(
                N_("firearm %(firearm_id)s: %(key)s must be true or false"),
                [{"field": key, "value": repr(value), "expected": "true or false"}],
                values={"firearm_id": firearm_id, "key": key},
            )
    plain = {k: v for k, v in facts.items() if k not in OBSERVATIONS}
    checked = parse_facts(plain, where=f"firearm {firearm_id} facts").model_dump(mode="json")
    new = {**(firearm.facts or {})} if merge else {}
    new.update({k: v for k, v in checked.items() if k in plain})
    new.update(observations)
    new = {k: v for k, v in new.items() if v is not None}
    before = firearm.facts
    firearm.facts = new
    firearm.updated_by = user.username
    apply_derived(firearm)
    check_conversion(session, firearm_id=firearm_id)
    session.flush()
    log_access(
        session,
        user=user,
        action="change",
        record_type="firearm",
        record_id=firearm.id,
        jurisdiction=firearm.jurisdiction,
        before={"facts": before},
        after={"facts": new, "category": firearm.category, "point": firearm.category_point},
    )
    return stored_result(firearm)


_Lot = Lot
_IN_CHUNK = 2000  # ids per IN list (a refresh batch), well under SQLite's 32,766 parameters


def _live_lots(
    session: Session, firearms: list[Firearm]
) -> tuple[dict[int, list[_Lot]], dict[int, list[_Lot]]]:
    """Return the live (not blank) ammunition lots of the firearms' events and cases.

    One query per chunk of event and case ids (one for a refresh batch of 2,000 firearms), instead
    of one per firearm; lots come back grouped by event and by case, in id order.
    """
    events = sorted({f.event_id for f in firearms if f.event_id is not None})
    cases = sorted({f.case_id for f in firearms if f.case_id is not None})
    found: dict[int, _Lot] = {}
    cols = (
        AmmunitionLot.id,
        AmmunitionLot.event_id,
        AmmunitionLot.case_id,
        AmmunitionLot.calibre,
        AmmunitionLot.quantity,
    )
    for start in range(0, max(len(events), len(cases)), _IN_CHUNK):
        conds = []
        if chunk := events[start : start + _IN_CHUNK]:
            conds.append(AmmunitionLot.event_id.in_(chunk))
        if chunk := cases[start : start + _IN_CHUNK]:
            conds.append(AmmunitionLot.case_id.in_(chunk))
        for lot_id, event_id, case_id, calibre, quantity in session.execute(
            select(*cols).where(or_(*conds))
        ):
            if not calibre:
                continue
            cal = lookup_calibre(calibre)
            if cal and cal.blank:
                continue
            found[lot_id] = (lot_id, event_id, case_id, calibre, quantity)
    by_event: dict[int, list[_Lot]] = defaultdict(list)
    by_case: dict[int, list[_Lot]] = defaultdict(list)
    for lot in sorted(found.values()):
        if lot[1] is not None:
            by_event[lot[1]].append(lot)
        if lot[2] is not None:
            by_case[lot[2]].append(lot)
    return by_event, by_case


def _apply_conversion(firearm: Firearm, lots: list[_Lot]) -> list[str]:
    check = evaluate(firearm, lots)
    # Only write real changes, so checking after a flush does not dirty the record again.
    if firearm.conversion_suspected != check.suspected:
        firearm.conversion_suspected = check.suspected
    if (firearm.conversion_evidence or None) != (check.evidence or None):
        firearm.conversion_evidence = check.evidence or None
    return check.evidence


def _lots_of(firearm: Firearm, by_event: dict, by_case: dict) -> list[_Lot]:
    lots: dict[int, _Lot] = {}
    if firearm.event_id is not None:
        lots.update((lot[0], lot) for lot in by_event.get(firearm.event_id, ()))
    if firearm.case_id is not None:
        lots.update((lot[0], lot) for lot in by_case.get(firearm.case_id, ()))
    return [lots[k] for k in sorted(lots)]


def explain_conversion(session: Session, firearm: Firearm) -> ConversionCheck:
    """Evaluate the conversion indicators of one firearm (nothing is written)."""
    by_event, by_case = _live_lots(session, [firearm])
    return evaluate(firearm, _lots_of(firearm, by_event, by_case))


def check_conversions(session: Session, firearms: list[Firearm]) -> dict[int, list[str]]:
    """Check many firearms for conversion at once (one ammunition query); {id: evidence}."""
    by_event, by_case = _live_lots(session, firearms)
    results: dict[int, list[str]] = {}
    for firearm in firearms:
        results[firearm.id] = _apply_conversion(firearm, _lots_of(firearm, by_event, by_case))
    return results


def recheck_for_ammunition(session: Session, *, lot_ids: list[int]) -> int:
    """Re-check the firearms sharing an event or case with these ammunition lots (bulk writes).

    Lots written in bulk (an import of ammunition after its firearms) pass no ORM event, so
    the firearms they may incriminate are checked here, a batch at a time. Returns how many.
    """
    events: set[int] = set()
    cases: set[int] = set()
    for start in range(0, len(lot_ids), _IN_CHUNK):
        stmt = select(AmmunitionLot.event_id, AmmunitionLot.case_id).where(
            AmmunitionLot.id.in_(lot_ids[start : start + _IN_CHUNK])
        )
        for event_id, case_id in session.execute(stmt):
            if event_id is not None:
                events.add(event_id)
            if case_id is not None:
                cases.add(case_id)
    ids: set[int] = set()
    for column, values in ((Firearm.event_id, sorted(events)), (Firearm.case_id, sorted(cases))):
        for start in range(0, len(values), _IN_CHUNK):
            chunk = values[start : start + _IN_CHUNK]
            ids.update(session.scalars(select(Firearm.id).where(column.in_(chunk))))
    todo = sorted(ids)
    for start in range(0, len(todo), _IN_CHUNK):
        firearms = list(
            session.scalars(select(Firearm).where(Firearm.id.in_(todo[start : start + _IN_CHUNK])))
        )
        with session.no_autoflush:
            check_conversions(session, firearms)
        session.flush()
    return len(todo)


def check_conversion(session: Session, *, firearm_id: int) -> list[str]:
    """Flag a blank-firing weapon found with live ammunition or a modified barrel; give evidence."""
    firearm = _firearm(session, firearm_id)
    return check_conversions(session, [firearm])[firearm.id]


def identify(
    *,
    make: str | None = None,
    model: str | None = None,
    calibre: str | None = None,
    markings: str | None = None,
) -> dict[str, Any]:
    """Tell what the reference data knows of a make/model, calibre and marking text."""
    # The same entry the categorisation uses, so the page shows what decided the answer.
    ref = find_entry(make, model, calibre, markings)
    cal = lookup_calibre(calibre) if calibre else None
    marks = parse_markings(markings)
    blank = bool((ref and ref.blank_firing) or (cal and cal.blank) or any(m.blank for m in marks))
    return {
        "model": ref.as_dict() if ref else None,
        "calibre": {
            "text": calibre,
            "normalised": normalise_calibre(calibre),
            "blank": bool(cal and cal.blank),
            "source": cal.source if cal else None,
        }
        if calibre
        else None,
        "markings": [m.__dict__ for m in marks],
        "blank_firing": blank,
        "conversion_signs": [m.text for m in marks if m.conversion],
    }


def refresh_firearms(session: Session, *, ids: list[int] | None = None, batch: int = 2000) -> int:
    """Recompute derived columns, serial index and conversion flags (after bulk writes)."""
    version = load_rules().version
    stmt = select(Firearm.id)
    if ids is not None:
        stmt = stmt.where(Firearm.id.in_(ids))
    else:
        stmt = stmt.where(
            or_(
                Firearm.rules_version.is_(None),
                Firearm.rules_version != version,
                (Firearm.serial_key.is_(None) & Firearm.serial_normalised.is_not(None)),
            )
        )
    todo = list(session.scalars(stmt.order_by(Firearm.id)))
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        firearms = list(session.scalars(select(Firearm).where(Firearm.id.in_(chunk))))
        # No flush per firearm: the chunk's conversion checks share one ammunition query.
        with session.no_autoflush:
            for firearm in firearms:
                apply_derived(firearm)
            check_conversions(session, firearms)
        session.flush()
        conn = session.connection()
        for fid, key in session.execute(
            select(Firearm.id, Firearm.serial_key).where(Firearm.id.in_(chunk))
        ):
            write_grams(conn, fid, key)
    return len(todo)


# --- tracing (SDG 16.4.2) -------------------------------------------------------------------


def _established() -> set[str]:
    return set(load_enums()["trace_statuses"].get("established", []))


def _log_trace(session: Session, firearm: Firearm, user: Principal, after: dict[str, Any]) -> None:
    log_access(
        session,
        user=user,
        action="change",
        record_type="firearm",
        record_id=firearm.id,
        jurisdiction=firearm.jurisdiction,
        after=after,
    )


def add_trace_request(
    session: Session,
    *,
    firearm_id: int,
    sent_to: str,
    sent_on: date,
    user: Principal,
    channel: str = "other",
    reference: str | None = None,
) -> TraceRequest:
    """Log a trace request sent for a firearm; an untraced firearm becomes 'pending'."""
    firearm = writable_record(session, user=user, record_type="firearm", record_id=firearm_id)
    check_code("trace_channels", channel, field="channel")
    if not sent_to.strip():
        raise ValidationFailed(
            "a trace request needs a recipient",
            [{"field": "sent_to", "value": sent_to, "expected": "who the request was sent to"}],
        )
    request = TraceRequest(
        firearm_id=firearm.id,
        jurisdiction=firearm.jurisdiction,
        sent_to=sent_to.strip(),
        channel=channel,
        sent_on=sent_on,
        reference=reference,
        recorded_by=user.username,
    )
    session.add(request)
    if firearm.trace_status not in _established():
        firearm.trace_status = "pending"
    session.flush()
    _log_trace(
        session,
        firearm,
        user,
        {"trace_request": request.id, "sent_to": request.sent_to, "status": firearm.trace_status},
    )
    return request


def record_trace_answer(
    session: Session,
    *,
    request_id: int,
    answered_on: date,
    answer: str,
    user: Principal,
    outcome: str = "other",
    point_of_diversion: str | None = None,
) -> TraceRequest:
    """Record the answer to a trace request; an established origin updates the firearm."""
    request = session.get(TraceRequest, request_id)
    if request is None:
        raise NotFound(
            N_("trace request %(request_id)s not found"), values={"request_id": request_id}
        )
    writable_record(session, user=user, record_type="firearm", record_id=request.firearm_id)
    check_code("trace_outcomes", outcome, field="outcome")
    if answered_on < request.sent_on:
        raise ValidationFailed(
            N_("trace request %(request_id)s: answered on %(answered_on)s before it was sent"),
            [{"field": "answered_on", "value": str(answered_on), "expected": "on/after sent_on"}],
            values={"request_id": request_id, "answered_on": answered_on},
        )
    request.answered_on, request.answer, request.outcome = answered_on, answer, outcome
    session.flush()
    if outcome == "origin_established" and point_of_diversion:
        set_trace_status(
            session,
            firearm_id=request.firearm_id,
            status="established_by_tracing",
            point_of_diversion=point_of_diversion,
            user=user,
        )
    return request


def set_trace_status(
    session: Session,
    *,
    firearm_id: int,
    status: str,
    user: Principal,
    point_of_diversion: str | None = None,
) -> Firearm:
    """Set a firearm's trace status; an established origin needs its point of diversion."""
    firearm = writable_record(session, user=user, record_type="firearm", record_id=firearm_id)
    check_code("trace_statuses", status, field="status")
    pod = point_of_diversion if point_of_diversion is not None else firearm.point_of_diversion
    if status in _established() and not (pod or "").strip():
        raise ValidationFailed(
            N_("firearm %(firearm_id)s: status %(status)s needs the point of diversion"),
            [
                {
                    "field": "point_of_diversion",
                    "value": "",
                    "expected": "where it left the licit circuit",
                }
            ],
            values={"firearm_id": firearm_id, "status": status},
        )
    firearm.trace_status = status
    if point_of_diversion is not None:
        firearm.point_of_diversion = point_of_diversion.strip() or None
    firearm.updated_by = user.username
    session.flush()
    _log_trace(
        session,
        firearm,
        user,
        {"trace_status": status, "point_of_diversion": firearm.point_of_diversion},
    )
    return firearm


def trace_log(session: Session, *, firearm_id: int) -> list[dict[str, Any]]:
    """Return the trace requests of a firearm, oldest first."""
    _firearm(session, firearm_id)
    rows = session.scalars(
        select(TraceRequest)
        .where(TraceRequest.firearm_id == firearm_id)
        .order_by(TraceRequest.sent_on, TraceRequest.id)
    )
    keys = ("id", "sent_to", "channel", "sent_on", "reference", "answered_on", "answer", "outcome")
    return [{k: getattr(r, k) for k in keys} for r in rows]


def trace_summary(session: Session, *, jurisdiction: str | None = None) -> dict[str, int]:
    """Count firearms per trace status (every status listed, zeros included)."""
    stmt = select(Firearm.trace_status, func.count()).group_by(Firearm.trace_status)
    if jurisdiction:
        stmt = stmt.where(Firearm.jurisdiction == jurisdiction)
    counts = dict(session.execute(stmt).all())
    statuses = load_enums()["trace_statuses"]["values"]
    return {code: int(counts.get(code, 0)) for code in statuses}
