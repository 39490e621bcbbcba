"""Cross-border matching of what the exchange brought: received records against the node's own.

A record received from the other service (it has a `Provenance` row) is compared, soon after it
arrives or changes, with the node's own records of its type by the same engine and model as a
store run, in Splink's link-only mode: received against own, never received against received
(those are the provider's business). Its suggestions join the review queue marked cross-border.
A match across the border is never accepted by the engine alone: however sure, it waits for an
analyst, because confirming it joins another service's record to one's own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.principal import node_principal
from armsbridge.matching.comparisons import MODEL_VERSION
from armsbridge.matching.config import MatchEngineSettings, duckdb_connection, engine_settings
from armsbridge.matching.engine import link_tables
from armsbridge.matching.models import MatchLink, MatchRun
from armsbridge.matching.prepare import table_from_rows
from armsbridge.matching.rows import STORE_ROWS
from armsbridge.matching.service import (
    MATCH_TYPES,
    ScoredPair,
    latest_decisions,
    phone_key,
    scored_pairs,
    status_for,
)
from armsbridge.records.models import Phone, Provenance
from armsbridge.settings import Settings, get_settings


def pending(session: Session) -> dict[str, list[int]]:
    """Return {record type: ids} of received records not compared with the node's own yet."""
    out: dict[str, list[int]] = {}
    rows = session.execute(
        select(Provenance.record_type, Provenance.record_id).where(
            Provenance.matched_at.is_(None), Provenance.record_type.in_(MATCH_TYPES)
        )
    )
    for record_type, record_id in rows:
        out.setdefault(record_type, []).append(record_id)
    return out


def _received(session: Session, record_type: str) -> set[int]:
    return set(
        session.scalars(select(Provenance.record_id).where(Provenance.record_type == record_type))
    )


def _score_phones(session: Session, new: set[int], foreign: set[int]) -> list[ScoredPair]:
    numbers: dict[str, list[int]] = {}
    received: dict[int, str] = {}
    for pid, raw, e164, country in session.execute(
        select(Phone.id, Phone.number_raw, Phone.e164, Phone.country)
    ):
        key = phone_key(raw, e164, country)
        if not key:
            continue
        if pid in new:
            received[pid] = key
        elif pid not in foreign:
            numbers.setdefault(key, []).append(pid)
    pairs = []
    for pid, key in received.items():
        for own in numbers.get(key, []):
            ev = [{"comparison": "number", "level": f"same number {key}", "match_weight": 30.0}]
            pairs.append(ScoredPair(min(pid, own), max(pid, own), 1.0, 30.0, ev))
    return pairs


def _score(
    session: Session, entity: str, new: set[int], engine: MatchEngineSettings, threshold: float
) -> tuple[list[ScoredPair], dict, int]:
    if entity == "phone":
        pairs = _score_phones(session, new, _received(session, "phone"))
        return pairs, {"armsbridge": {"entity": "phone", "rule": "same E.164 number"}}, len(new)
    foreign = _received(session, entity)
    rows = STORE_ROWS[entity](session)
    incoming = [r for r in rows if r["unique_id"] in new]
    own = [r for r in rows if r["unique_id"] not in foreign]
    if not incoming or not own:
        return [], {"armsbridge": {"entity": entity}}, len(incoming)
    con = duckdb_connection(engine)
    try:
        table_from_rows(con, "received", entity, incoming)
        table_from_rows(con, "own", entity, own)
        result = link_tables(con, entity, ["received", "own"], threshold=threshold, settings=engine)
        return scored_pairs(con, result, threshold), result.model, len(incoming)
    finally:
        con.close()


def match_received(
    session: Session,
    *,
    settings: Settings | None = None,
    engine: MatchEngineSettings | None = None,
    say: Callable[[str], None] | None = None,
) -> list[MatchRun]:
    """Compare every received record not yet matched with the node's own; return the runs."""
    settings = settings or get_settings()
    engine = engine or engine_settings()
    user = node_principal(settings.jurisdiction, purpose="cross-border-matching")
    runs = []
    for entity, ids in sorted(pending(session).items()):
        if say:
            say(f"matching {len(ids)} received {entity} records with this node's own")
        pairs, model, n_received = _score(session, entity, set(ids), engine, settings.match_review)
        run = MatchRun(
            entity_type=entity,
            scope="received",
            started_by=user.username,
            model_version=MODEL_VERSION,
            model=model,
            seed=engine.seed,
            trained=False,
            records=n_received,
            candidate_pairs=len(pairs),
            suggested=len(pairs),
            accepted=0,
            auto_accept_threshold=settings.match_auto_accept,
            review_threshold=settings.match_review,
        )
        session.add(run)
        session.flush()
        decisions = latest_decisions(session, entity)
        for pair in pairs:
            decision = decisions.get((pair.left_id, pair.right_id))
            status = status_for(pair.probability, decision, settings, may_accept=False)
            session.add(
                MatchLink(
                    run_id=run.id,
                    entity_type=entity,
                    left_id=pair.left_id,
                    right_id=pair.right_id,
                    probability=pair.probability,
                    match_weight=pair.match_weight,
                    evidence=pair.evidence,
                    status=status,
                    cross_border=True,
                )
            )
        run.finished_at = datetime.now(UTC)
        session.execute(
            update(Provenance)
            .where(Provenance.record_type == entity, Provenance.record_id.in_(ids))
            .values(matched_at=run.finished_at)
        )
        log_access(
            session,
            user=user,
            action="match",
            record_type=entity,
            details={
                "run_id": run.id,
                "scope": "received",
                "received": n_received,
                "suggested": len(pairs),
            },
        )
        runs.append(run)
    return runs
