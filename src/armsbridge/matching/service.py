"""Match runs over the store, the review queue, decisions, undo, and entities built from matches."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal, node_principal
from armsbridge.errors import NotFound, PermissionDenied, ValidationFailed
from armsbridge.i18n_marker import N_, Label
from armsbridge.matching.comparisons import MODEL_VERSION
from armsbridge.matching.config import MatchEngineSettings, duckdb_connection, engine_settings
from armsbridge.matching.engine import evidence, link_tables
from armsbridge.matching.found_by import found_by
from armsbridge.matching.models import DECISIONS, MatchDecision, MatchLink, MatchRun
from armsbridge.matching.prepare import normalise_phone, table_from_rows
from armsbridge.matching.rows import STORE_ROWS
from armsbridge.records.models import RECORD_MODELS, Link, Phone
from armsbridge.records.reading import readable
from armsbridge.records.service import delete_record, link_records
from armsbridge.settings import Settings, get_settings

MATCH_TYPES = ("person", "firearm", "vehicle", "phone")
ACCEPTED = ("auto_accepted", "confirmed")
# Waiting for a decision: an undone pair is out of its entity and must be decided again.
OPEN = ("review", "unsure", "undone")
MATCH_STATUS_LABELS = {
    "review": N_("to review"),
    "unsure": N_("unsure"),
    "confirmed": N_("confirmed"),
    "auto_accepted": N_("accepted by the engine"),
    "rejected": N_("rejected"),
    "undone": N_("undone"),
}


@dataclass
class ScoredPair:
    """One scored pair of store records with its evidence."""

    left_id: int
    right_id: int
    probability: float
    match_weight: float
    evidence: list[dict[str, Any]]


def _score_store(
    session: Session,
    entity: str,
    engine: MatchEngineSettings,
    threshold: float,
    say: Callable[[str], None],
) -> tuple[list[ScoredPair], dict[str, Any], bool, int, int]:
    if entity == "phone":
        return _score_phones(session)
    loader = STORE_ROWS[entity]
    say(f"reading {entity} records")
    rows = loader(session)
    if len(rows) < 2:
        return (
            [],
            {"armsbridge": {"model_version": MODEL_VERSION, "entity": entity}},
            False,
            len(rows),
            0,
        )
    con = duckdb_connection(engine)
    table_from_rows(con, "store", entity, rows)
    result = link_tables(con, entity, ["store"], threshold=threshold, settings=engine, progress=say)
    pairs = scored_pairs(con, result, threshold)
    con.close()
    return pairs, result.model, result.trained, len(rows), result.candidate_pairs


def scored_pairs(con: Any, result: Any, threshold: float) -> list[ScoredPair]:
    """Return a link result's pairs at or above `threshold`, lower id first, with evidence."""
    cur = con.execute(
        f"SELECT * FROM {result.predictions} WHERE match_probability >= ?", [threshold]
    )
    cols = [d[0] for d in cur.description]
    pairs = []
    for values in cur.fetchall():
        row = dict(zip(cols, values, strict=True))
        a, b = int(row["unique_id_l"]), int(row["unique_id_r"])
        explained = evidence(result.model, row)
        rule = found_by(result.model, row.get("match_key"))
        if rule:
            # Shaped like a comparison (no weight), so every reader of the evidence list can
            # read it; the review shows it apart, as the rule that found the pair.
            explained.append(
                {
                    "comparison": "blocking_rule",
                    "level": rule,
                    "match_weight": 0.0,
                    "agrees": False,
                    "blocking_rule": rule,
                }
            )
        pairs.append(
            ScoredPair(
                min(a, b),
                max(a, b),
                float(row["match_probability"]),
                float(row["match_weight"]),
                explained,
            )
        )
    return pairs


def phone_key(raw: str | None, e164: str | None, country: str | None) -> str:
    """Return the number two phone records must share to be the same phone (E.164)."""
    return e164 or normalise_phone(raw, country or "XK")


def _score_phones(session: Session) -> tuple[list[ScoredPair], dict[str, Any], bool, int, int]:
    # A phone number is an identifier: the same normalised number is the same phone. No model.
    by_number: dict[str, list[int]] = {}
    rows = session.execute(select(Phone.id, Phone.number_raw, Phone.e164, Phone.country)).all()
    for pid, raw, e164, country in rows:
        key = phone_key(raw, e164, country)
        if key:
            by_number.setdefault(key, []).append(pid)
    pairs = []
    for number, ids in by_number.items():
        ids.sort()
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                ev = [
                    {
                        "comparison": "number",
                        "level": f"same number {number}",
                        "match_weight": 30.0,
                        "agrees": True,
                    }
                ]
                pairs.append(ScoredPair(a, b, 1.0, 30.0, ev))
    model = {
        "armsbridge": {
            "model_version": MODEL_VERSION,
            "entity": "phone",
            "rule": "same E.164 number",
        }
    }
    return pairs, model, False, len(rows), len(pairs)


def latest_decisions(session: Session, entity: str) -> dict[tuple[int, int], MatchDecision]:
    """Return the latest decision per pair of records of one type."""
    out: dict[tuple[int, int], MatchDecision] = {}
    stmt = (
        select(MatchDecision)
        .where(MatchDecision.entity_type == entity)
        .order_by(MatchDecision.decided_at, MatchDecision.id)
    )
    for d in session.execute(stmt).scalars():
        out[(d.left_id, d.right_id)] = d
    return out


def status_for(
    probability: float,
    decision: MatchDecision | None,
    settings: Settings,
    *,
    may_accept: bool = True,
) -> str:
    """Return a pair's status: the analyst's latest decision, else auto-accepted or to review."""
    if decision is not None:
        return {"confirm": "confirmed", "reject": "rejected", "undo": "undone", "unsure": "unsure"}[
            decision.decision
        ]
    sure = may_accept and probability >= settings.match_auto_accept
    return "auto_accepted" if sure else "review"


def _same_as(
    session: Session,
    entity: str,
    a: int,
    b: int,
    p: float,
    on_behalf: Principal | None,
    jurisdiction: str | None = None,
) -> Link:
    """Write the same_as link of an accepted pair through the writer (link key, audit entry).

    The link joins records of both services in one store, so the node writes it; the account
    whose decision accepted it, if any, is named in the entry.
    """
    writer = node_principal(jurisdiction or get_settings().jurisdiction, purpose="matching")
    note = f"confirmed by {on_behalf.username}" if on_behalf is not None else "matching"
    return link_records(
        session,
        kind="same_as",
        from_type=entity,
        from_id=a,
        to_type=entity,
        to_id=b,
        confidence=p,
        source_ref=note,
        user=writer,
    )


def _remove_same_as(session: Session, entity: str, a: int, b: int, by: Principal) -> None:
    """Erase the same_as links of a pair through the writer, each with its audit entry."""
    writer = node_principal(get_settings().jurisdiction, purpose="matching")
    links = session.scalars(
        select(Link.id).where(
            Link.kind == "same_as",
            Link.from_type == entity,
            Link.to_type == entity,
            or_((Link.from_id == a) & (Link.to_id == b), (Link.from_id == b) & (Link.to_id == a)),
        )
    ).all()
    for link_id in links:
        delete_record(
            session, record_type="link", record_id=link_id, user=writer, why=f"{by.username}"
        )


def _existing_same_as(session: Session, entity: str, a: int, b: int) -> Link | None:
    return (
        session.execute(
            select(Link).where(
                Link.kind == "same_as",
                Link.from_type == entity,
                Link.to_type == entity,
                or_(
                    (Link.from_id == a) & (Link.to_id == b), (Link.from_id == b) & (Link.to_id == a)
                ),
            )
        )
        .scalars()
        .first()
    )


def run_match(
    session: Session,
    *,
    entity_type: str,
    user: Principal | None = None,
    settings: Settings | None = None,
    engine: MatchEngineSettings | None = None,
    progress: Callable[[str], None] | None = None,
) -> MatchRun:
    """Match all records of one type in the store; store suggestions and accept sure ones."""
    if entity_type not in MATCH_TYPES:
        raise ValidationFailed(
            N_("unknown record type %(entity_type)r"),
            [{"field": "type", "value": entity_type, "expected": ", ".join(MATCH_TYPES)}],
            values={"entity_type": entity_type},
        )
    settings = settings or get_settings()
    user = user or node_principal(settings.jurisdiction, purpose="matching")
    engine = engine or engine_settings()
    say = progress or (lambda _m: None)
    pairs, model, trained, n_records, n_candidates = _score_store(
        session, entity_type, engine, settings.match_review, say
    )
    run = MatchRun(
        entity_type=entity_type,
        started_by=user.username,
        model_version=MODEL_VERSION,
        model=model,
        seed=engine.seed,
        trained=trained,
        records=n_records,
        candidate_pairs=n_candidates,
        auto_accept_threshold=settings.match_auto_accept,
        review_threshold=settings.match_review,
    )
    session.add(run)
    session.flush()
    decisions = latest_decisions(session, entity_type)
    say("storing suggestions")
    accepted = 0
    services = jurisdictions_of(
        session, entity_type, [i for p in pairs for i in (p.left_id, p.right_id)]
    )
    for pair in pairs:
        decision = decisions.get((pair.left_id, pair.right_id))
        status = status_for(pair.probability, decision, settings)
        link_id = None
        if status in ACCEPTED:
            existing = _existing_same_as(session, entity_type, pair.left_id, pair.right_id)
            link = existing or _same_as(
                session,
                entity_type,
                pair.left_id,
                pair.right_id,
                pair.probability,
                None,
                settings.jurisdiction,
            )
            link_id = link.id
            accepted += 1
        session.add(
            MatchLink(
                run_id=run.id,
                entity_type=entity_type,
                left_id=pair.left_id,
                right_id=pair.right_id,
                probability=pair.probability,
                match_weight=pair.match_weight,
                evidence=pair.evidence,
                status=status,
                same_as_link_id=link_id,
                cross_border=services.get(pair.left_id) != services.get(pair.right_id),
            )
        )
    run.suggested = len(pairs)
    run.accepted = accepted
    from armsbridge.db.mixins import utcnow

    run.finished_at = utcnow()
    session.flush()
    log_access(
        session,
        user=user,
        action="match",
        record_type=entity_type,
        details={
            "run_id": run.id,
            "records": n_records,
            "suggested": len(pairs),
            "accepted": accepted,
            "model_version": MODEL_VERSION,
        },
    )
    return run


def jurisdictions_of(session: Session, entity_type: str, ids: Iterable[int]) -> dict[int, str]:
    """Return {record id: owning jurisdiction} for records of one matchable type."""
    model = RECORD_MODELS[entity_type]
    wanted = sorted(set(ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        found.update(
            session.execute(select(model.id, model.jurisdiction).where(model.id.in_(chunk))).all()
        )
    return found


def get_match(session: Session, match_id: int) -> MatchLink:
    """Return one suggested match or raise NotFound."""
    match = session.get(MatchLink, match_id)
    if match is None:
        raise NotFound(N_("no match with id %(match_id)s"), values={"match_id": match_id})
    return match


def review_queue(
    session: Session, *, entity_type: str | None = None, limit: int = 50
) -> list[MatchLink]:
    """Return suggestions awaiting a decision, most likely first: those of each type's latest
    run over the store, and those of every run over records received since (cross-border)."""
    latest = {
        et: rid
        for et, rid in session.execute(
            select(MatchRun.entity_type, MatchRun.id)
            .where(MatchRun.scope == "store")
            .order_by(MatchRun.id)
        )
    }
    if entity_type:
        latest = {k: v for k, v in latest.items() if k == entity_type}
    # A received run newer than its type's latest store run (an older one was covered by it).
    newer = [
        and_(MatchRun.entity_type == et, MatchRun.id > latest.get(et, 0))
        for et in ([entity_type] if entity_type else MATCH_TYPES)
    ]
    received = select(MatchRun.id).where(MatchRun.scope == "received", or_(*newer))
    stmt = (
        select(MatchLink)
        .where(
            or_(MatchLink.run_id.in_(latest.values()), MatchLink.run_id.in_(received)),
            MatchLink.status.in_(OPEN),
        )
        .order_by(MatchLink.probability.desc(), MatchLink.id.desc())
    )
    seen: set[tuple[str, int, int]] = set()
    queue: list[MatchLink] = []
    for match in session.execute(stmt).scalars():
        pair = (match.entity_type, match.left_id, match.right_id)
        if pair in seen:
            continue  # the same pair from an older run: the newest suggestion stands
        seen.add(pair)
        queue.append(match)
        if len(queue) >= limit:
            break
    return queue


def decide(
    session: Session, *, match_id: int, decision: str, user: Principal, note: str | None = None
) -> MatchLink:
    """Record an analyst's decision on a match (confirm, reject, unsure, undo) and apply it."""
    if decision not in DECISIONS:
        raise ValidationFailed(
            N_("unknown decision %(decision)r"),
            [{"field": "decision", "value": decision, "expected": ", ".join(DECISIONS)}],
            values={"decision": decision},
        )
    if not user.is_node and not role_allows(user.role, "record.update"):
        raise PermissionDenied(
            N_(
                "your role (%(role)s) may not decide matches: it needs record.update; ask an "
                "analyst or an administrator"
            ),
            values={"role": Label(user.role_label)},
        )
    match = get_match(session, match_id)
    if not user.is_node:
        model = RECORD_MODELS[match.entity_type]
        ends = readable(match.entity_type, user).where(
            model.id.in_((match.left_id, match.right_id))
        )
        if len(session.scalars(ends).all()) != 2:
            raise NotFound(
                N_("no match with id %(match_id)s"), values={"match_id": match_id}
            )  # one end is not the user's to see
    before = match.status
    session.add(
        MatchDecision(
            entity_type=match.entity_type,
            left_id=match.left_id,
            right_id=match.right_id,
            decision=decision,
            decided_by=user.username,
            note=note,
            match_link_id=match.id,
        )
    )
    if decision == "confirm":
        existing = _existing_same_as(session, match.entity_type, match.left_id, match.right_id)
        link = existing or _same_as(
            session, match.entity_type, match.left_id, match.right_id, match.probability, user
        )
        match.same_as_link_id = link.id
        match.status = "confirmed"
    else:
        # reject, unsure and undo all take the pair out of the entity; the records and their
        # other links are untouched, so both entities get back exactly their own links.
        _remove_same_as(session, match.entity_type, match.left_id, match.right_id, user)
        match.same_as_link_id = None
        match.status = {"reject": "rejected", "unsure": "unsure", "undo": "undone"}[decision]
    session.flush()
    log_access(
        session,
        user=user,
        action="review",
        record_type=match.entity_type,
        record_id=match.left_id,
        why=note,
        before={"status": before},
        after={"status": match.status},
        details={
            "match_id": match.id,
            "left_id": match.left_id,
            "right_id": match.right_id,
            "decision": decision,
        },
    )
    return match


def undo(session: Session, *, match_id: int, user: Principal, note: str | None = None) -> MatchLink:
    """Undo an accepted match: the same_as link goes, and later runs do not re-accept it."""
    return decide(session, match_id=match_id, decision="undo", user=user, note=note)


def entity_members(session: Session, entity_type: str, record_id: int) -> set[int]:
    """Return the ids of all records joined to `record_id` by accepted matches (itself too)."""
    seen = {record_id}
    frontier = [record_id]
    while frontier:
        rows = session.execute(
            select(Link.from_id, Link.to_id).where(
                Link.kind == "same_as",
                Link.from_type == entity_type,
                Link.to_type == entity_type,
                or_(Link.from_id.in_(frontier), Link.to_id.in_(frontier)),
            )
        ).all()
        frontier = []
        for a, b in rows:
            for x in (a, b):
                if x not in seen:
                    seen.add(x)
                    frontier.append(x)
    return seen


def entity_links(session: Session, entity_type: str, record_id: int) -> list[Link]:
    """Return the links (other than same_as) of every record in the entity of `record_id`."""
    members = entity_members(session, entity_type, record_id)
    stmt = (
        select(Link)
        .where(
            Link.kind != "same_as",
            or_(
                (Link.from_type == entity_type) & Link.from_id.in_(members),
                (Link.to_type == entity_type) & Link.to_id.in_(members),
            ),
        )
        .order_by(Link.id)
    )
    return list(session.execute(stmt).scalars())


def runs(session: Session, *, entity_type: str | None = None) -> Iterable[MatchRun]:
    """Return match runs, newest first."""
    stmt = select(MatchRun).order_by(MatchRun.id.desc())
    if entity_type:
        stmt = stmt.where(MatchRun.entity_type == entity_type)
    return session.execute(stmt).scalars()


@dataclass(frozen=True)
class Suggestion:
    """A match of one record as its page shows it: the other record, how sure, which side."""

    match: MatchLink
    other: Any


def suggestions_for(
    session: Session, *, user: Principal, record_type: str, record_id: int, limit: int = 20
) -> list[Suggestion]:
    """Return the newest match of each pair that names this record and another the user may see."""
    if record_type not in MATCH_TYPES:
        return []
    stmt = (
        select(MatchLink)
        .where(
            MatchLink.entity_type == record_type,
            or_(MatchLink.left_id == record_id, MatchLink.right_id == record_id),
            MatchLink.status.in_(("review", "unsure", "confirmed", "auto_accepted")),
        )
        .order_by(MatchLink.id.desc())
        .limit(limit * 5)
    )
    newest: dict[int, MatchLink] = {}
    for match in session.scalars(stmt):
        other = match.right_id if match.left_id == record_id else match.left_id
        newest.setdefault(other, match)
    if not newest:
        return []
    model = RECORD_MODELS[record_type]
    others = {
        r.id: r
        for r in session.scalars(readable(record_type, user).where(model.id.in_(list(newest))))
    }
    found = [Suggestion(m, others[o]) for o, m in newest.items() if o in others]
    found.sort(key=lambda s: (s.match.status not in ACCEPTED, -s.match.probability))
    return found[:limit]
