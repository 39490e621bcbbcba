"""The review queue as the browser shows it: filtered suggestions, pairs side by side, clusters.

Only suggestions whose two records the user may read are listed (restrict(), default deny);
every decision, one at a time or in bulk, goes through service.decide, which checks the role
and both records again and writes one audit entry per decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from armsbridge.auth.permissions import restrict
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.matching.models import MATCH_STATUSES, MatchLink, MatchRun
from armsbridge.matching.service import MATCH_TYPES, OPEN, decide
from armsbridge.records.models import RECORD_MODELS
from armsbridge.records.reading import readable

# Statuses a cluster is made of: suggestions not yet decided and accepted matches.
CLUSTERED = ("review", "unsure", "undone", "confirmed", "auto_accepted")
STATUS_CHOICES = ("open", *MATCH_STATUSES, "all")
BORDER_CHOICES = ("any", "cross", "domestic")
BULK_DECISIONS = ("confirm", "reject", "unsure")
BULK_LIMIT = 2000  # decisions in one bulk step; the rest are left for the next one

# The fields that tell two records of a type apart, in the order the pair shows them.
PAIR_FIELDS: dict[str, tuple[str, ...]] = {
    "person": (
        "given_name",
        "family_name",
        "father_name",
        "name_variants",
        "script",
        "sex",
        "birth_date",
        "birth_place",
        "nationality",
    ),
    "firearm": ("serial_raw", "make", "model", "kind", "calibre", "country_of_manufacture"),
    "vehicle": ("plate_raw", "vin", "make", "model", "colour", "registration_country"),
    "phone": ("number_raw", "e164", "country"),
}
# Labels of the engine's comparisons; an unknown one is shown by its name.
COMPARISON_LABELS = {
    "name": N_("Name"),
    "given_name": N_("Given name"),
    "family_name": N_("Family name"),
    "father_name": N_("Father's name"),
    "birth_date": N_("Birth date"),
    "birth_place": N_("Birth place"),
    "phone": N_("Phone"),
    "items": N_("Linked items"),
    "associates": N_("Associates"),
    "holder": N_("Holder"),
    "serial": N_("Serial number"),
    "calibre": N_("Calibre"),
    "vin": N_("VIN"),
    "plate": N_("Plate"),
    "make": N_("Make"),
    "model": N_("Model"),
    "number": N_("Number"),
}


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows: record type (None: every type), status, border, probability range."""

    entity_type: str | None = "person"
    status: str = "open"
    border: str = "any"
    low: float = 0.0
    high: float = 1.0

    def checked(self) -> QueueFilter:
        """Return the filter if every value is known; ValidationFailed naming the field if not."""
        wrong = []
        if self.entity_type is not None and self.entity_type not in MATCH_TYPES:
            wrong.append(("type", self.entity_type, ", ".join(MATCH_TYPES)))
        if self.status not in STATUS_CHOICES:
            wrong.append(("status", self.status, ", ".join(STATUS_CHOICES)))
        if self.border not in BORDER_CHOICES:
            wrong.append(("border", self.border, ", ".join(BORDER_CHOICES)))
        if not (0.0 <= self.low <= self.high <= 1.0):
            wrong.append(("min", f"{self.low}-{self.high}", "0 <= min <= max <= 1"))
        if wrong:
            raise ValidationFailed(
                N_("%(value)s: %(value2)r is not one of %(value3)s"),
                [{"field": f, "value": v, "expected": e} for f, v, e in wrong],
                values={"value": wrong[0][0], "value2": wrong[0][1], "value3": wrong[0][2]},
            )
        return self

    def types(self) -> tuple[str, ...]:
        """Return the record types the filter covers."""
        return (self.entity_type,) if self.entity_type else MATCH_TYPES

    def statuses(self) -> tuple[str, ...]:
        """Return the match statuses the filter covers."""
        if self.status == "open":
            return OPEN
        return MATCH_STATUSES if self.status == "all" else (self.status,)


@dataclass
class Pair:
    """One suggestion as the page shows it: both records, the fields side by side, the evidence."""

    match: MatchLink
    left: Any
    right: Any
    rows: list[tuple[str, Any, Any, bool]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    blocking_rule: str | None = None
    cluster_size: int = 2


def current_runs(session: Session, types: Iterable[str]) -> list[int]:
    """Return the runs whose suggestions stand: each type's latest store run, newer received."""
    wanted = tuple(types)
    latest: dict[str, int] = {}
    for et, rid in session.execute(
        select(MatchRun.entity_type, MatchRun.id)
        .where(MatchRun.scope == "store", MatchRun.entity_type.in_(wanted))
        .order_by(MatchRun.id)
    ):
        latest[et] = rid
    newer = [and_(MatchRun.entity_type == et, MatchRun.id > latest.get(et, 0)) for et in wanted]
    received = session.scalars(select(MatchRun.id).where(MatchRun.scope == "received", or_(*newer)))
    return [*latest.values(), *received]


def _visible_pair(user: Principal, entity_type: str) -> Any:
    """The condition that both ends of a match of `entity_type` are records `user` may read."""
    model = RECORD_MODELS[entity_type]
    ids = restrict(select(model.id), user, "record.read", model=model)
    return and_(
        MatchLink.entity_type == entity_type,
        MatchLink.left_id.in_(ids),
        MatchLink.right_id.in_(ids),
    )


# What the queue needs of each suggestion to filter, sort and count it: no evidence.
_SUMMARY = (
    MatchLink.id,
    MatchLink.entity_type,
    MatchLink.left_id,
    MatchLink.right_id,
    MatchLink.status,
    MatchLink.probability,
    MatchLink.cross_border,
)


def _newest_per_pair(rows: Iterable[Any]) -> list[Any]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    for row in rows:
        pair = (row.entity_type, row.left_id, row.right_id)
        if pair not in seen:  # the same pair from an older run: the newest suggestion stands
            seen.add(pair)
            out.append(row)
    return out


def _current(session: Session, user: Principal, types: tuple[str, ...]) -> list[Any]:
    """Return the current suggestion of each pair of `types` the user may see (summary rows).

    The newest suggestion of a pair carries its status, so statuses are filtered afterwards.
    """
    visible = [_visible_pair(user, t) for t in types]
    stmt = (
        select(*_SUMMARY)
        .where(
            MatchLink.run_id.in_(current_runs(session, types)),
            MatchLink.entity_type.in_(types),
            or_(*visible) if visible else false(),
        )
        .order_by(MatchLink.id.desc())
    )
    return _newest_per_pair(session.execute(stmt))


def queue(session: Session, *, user: Principal, wanted: QueueFilter) -> list[Any]:
    """Return every current suggestion the filter selects and the user may see, likeliest first.

    Each is a summary row (id, entity_type, left_id, right_id, status, probability,
    cross_border); `load` gives the suggestions of one page in full.
    """
    wanted = wanted.checked()
    statuses = set(wanted.statuses())
    chosen = [
        m
        for m in _current(session, user, wanted.types())
        if m.status in statuses
        and wanted.low <= m.probability <= wanted.high
        and (wanted.border == "any" or m.cross_border == (wanted.border == "cross"))
    ]
    chosen.sort(key=lambda m: (-m.probability, -m.id))
    return chosen


def load(session: Session, rows: Iterable[Any]) -> list[MatchLink]:
    """Return the suggestions of `rows` (summary rows or ids) in full, in the same order."""
    ids = [getattr(r, "id", r) for r in rows]
    if not ids:
        return []
    found = {m.id: m for m in session.scalars(select(MatchLink).where(MatchLink.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def components(session: Session, *, user: Principal, entity_type: str) -> dict[int, frozenset[int]]:
    """Return {record id: its cluster} over the current open and accepted matches of one type."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for match in _current(session, user, (entity_type,)):
        if match.status not in CLUSTERED:
            continue  # rejected: the pair is not one entity, whatever an older run said
        a, b = root(match.left_id), root(match.right_id)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, set[int]] = {}
    for x in list(parent):
        groups.setdefault(root(x), set()).add(x)
    return {x: frozenset(group) for group in groups.values() for x in group}


def cluster_matches(
    session: Session, *, user: Principal, entity_type: str, members: frozenset[int]
) -> list[MatchLink]:
    """Return the current match of every pair among `members` (any status), likeliest first."""
    rows = [
        m
        for m in _current(session, user, (entity_type,))
        if m.left_id in members and m.right_id in members
    ]
    rows.sort(key=lambda m: (-m.probability, -m.id))
    return load(session, rows)


def records_of(
    session: Session, *, user: Principal, entity_type: str, ids: Iterable[int]
) -> dict[int, Any]:
    """Return {id: record} of the records of one type among `ids` that the user may read."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    model = RECORD_MODELS[entity_type]
    stmt = readable(entity_type, user).where(model.id.in_(wanted))
    return {r.id: r for r in session.scalars(stmt)}


def _value(record: Any, name: str) -> Any:
    value = getattr(record, name, None)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    return value if value not in ("",) else None


def blocking_rule_of(match: MatchLink) -> str | None:
    """Return the blocking rule that put the pair side by side, when the engine recorded it."""
    for item in match.evidence or []:
        if isinstance(item, dict) and item.get("blocking_rule"):
            return str(item["blocking_rule"])
    return None


def pair_of(match: MatchLink, left: Any, right: Any, cluster_size: int = 2) -> Pair:
    """Return the side-by-side view of one match: field rows (same or not) and its evidence."""
    rows = []
    for name in PAIR_FIELDS.get(match.entity_type, ()):
        a, b = _value(left, name), _value(right, name)
        if a is None and b is None:
            continue
        same = a is not None and str(a).strip().casefold() == str(b or "").strip().casefold()
        rows.append((name, a, b, same))
    evidence = [
        e
        for e in match.evidence or []
        if isinstance(e, dict) and "comparison" in e and "blocking_rule" not in e
    ]
    return Pair(match, left, right, rows, evidence, blocking_rule_of(match), cluster_size)


def pairs_for(
    session: Session, *, user: Principal, matches: list[MatchLink], clusters: bool = True
) -> list[Pair]:
    """Return the side-by-side views of `matches` whose two records the user may read."""
    by_type: dict[str, list[MatchLink]] = {}
    for m in matches:
        by_type.setdefault(m.entity_type, []).append(m)
    records: dict[str, dict[int, Any]] = {}
    sizes: dict[str, dict[int, frozenset[int]]] = {}
    for et, ms in by_type.items():
        ids = [i for m in ms for i in (m.left_id, m.right_id)]
        records[et] = records_of(session, user=user, entity_type=et, ids=ids)
        sizes[et] = components(session, user=user, entity_type=et) if clusters else {}
    out = []
    for m in matches:
        left, right = records[m.entity_type].get(m.left_id), records[m.entity_type].get(m.right_id)
        if left is None or right is None:
            continue  # not the user's to see: never shown
        size = len(sizes[m.entity_type].get(m.left_id, ()))
        out.append(pair_of(m, left, right, max(size, 2)))
    return out


@dataclass(frozen=True)
class BulkResult:
    """What a bulk decision did: how many decided, and those left (changed or not visible)."""

    decided: int
    skipped: int


def bulk_decide(
    session: Session,
    *,
    user: Principal,
    wanted: QueueFilter,
    decision: str,
    match_ids: Iterable[int],
    note: str | None = None,
) -> BulkResult:
    """Decide every previewed suggestion still selected by the filter; one audit entry each."""
    if decision not in BULK_DECISIONS:
        raise ValidationFailed(
            N_("unknown bulk decision %(decision)r"),
            [{"field": "decision", "value": decision, "expected": ", ".join(BULK_DECISIONS)}],
            values={"decision": decision},
        )
    asked = set(match_ids)
    # Only what the user saw in the preview and the filter still selects: a pair decided by
    # someone else since, or moved out of the range, is left alone.
    still = [m for m in queue(session, user=user, wanted=wanted) if m.id in asked]
    for match in still[:BULK_LIMIT]:
        decide(session, match_id=match.id, decision=decision, user=user, note=note)
    decided = min(len(still), BULK_LIMIT)
    return BulkResult(decided, len(asked) - decided)
