"""The one writer of records: every create, change, link and erase, checked, derived and audited.

Each write names the Principal who acts. The writer refuses a role that may not write the record
type, a jurisdiction other than the account's own, and a record the account may not change; it
validates against the schema, sets the derived columns, and writes one audit entry. Never commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.models import AccessGrant
from armsbridge.auth.permissions import record_types_for, restrict
from armsbridge.auth.principal import Principal
from armsbridge.db.rows import insert_rows
from armsbridge.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from armsbridge.i18n_marker import N_, Label
from armsbridge.records.handling import marking
from armsbridge.records.labels import not_found
from armsbridge.records.models import (
    RECORD_MODELS,
    Case,
    CaseStatusChange,
    Link,
    PersonNameWord,
    name_key_words,
    write_name_words,
)
from armsbridge.records.validation import model_for, prepare_values, record_as_dict
from armsbridge.vocab.service import enum_values, load_enums
from armsbridge.vocab.values import AFTER_LAST_STEP, OWN_JURISDICTION, STEP_DATE, coerce_value

# --- after a write ---------------------------------------------------------------------------


def after_write(
    session: Session,
    record_type: str,
    created: Mapping[int, Mapping[str, Any]],
    changed: Mapping[int, Mapping[str, Any]] | None = None,
) -> None:
    """Keep the rows that follow from records current, for one record or a bulk write alike.

    Persons: the words of their name keys (searches by any word). Firearms keep theirs through
    their ORM events (firearms/listeners.py) and, after bulk writes, `refresh_firearms`.
    """
    if record_type == "person":
        words = [
            {"word": word, "person_id": rid}
            for rid, values in created.items()
            for word in name_key_words(values.get("name_key"))
        ]
        insert_rows(session, PersonNameWord.__table__, words)
        renamed = {rid: v["name_key"] for rid, v in (changed or {}).items() if "name_key" in v}
        if renamed:
            write_name_words(session.connection(), renamed, replace=True)


# --- who may write -----------------------------------------------------------------------------


def writable_jurisdictions(user: Principal) -> list[str]:
    """Return the jurisdictions whose records `user` may write: an account's own, only."""
    if user.is_node:
        return list(enum_values("jurisdictions"))
    return [user.jurisdiction]


def check_write(user: Principal, record_type: str, jurisdiction: str | None = None) -> None:
    """Refuse (403) a write the account may not make: the record type, or another jurisdiction."""
    if user.is_node:
        return  # the node's own jobs (demo build, matching) write for the store as a whole
    if record_type not in record_types_for(user.role, "write"):
        raise PermissionDenied(
            N_("your role (%(role)s) may not write %(record_type)s records"),
            values={"role": Label(user.role_label), "record_type": record_type},
        )
    if jurisdiction is not None and jurisdiction not in writable_jurisdictions(user):
        raise PermissionDenied(
            N_(
                "you write records of %(jurisdiction)s; this %(record_type)s belongs to "
                "%(jurisdiction2)s: choose %(jurisdiction)s or ask a colleague of "
                "%(jurisdiction2)s"
            ),
            [
                {
                    "field": "jurisdiction",
                    "value": str(jurisdiction),
                    "expected": OWN_JURISDICTION % {"jurisdiction": user.jurisdiction},
                }
            ],
            values={
                "jurisdiction": user.jurisdiction,
                "record_type": record_type,
                "jurisdiction2": jurisdiction,
            },
        )


def writable_record(session: Session, *, user: Principal, record_type: str, record_id: int) -> Any:
    """Return a record `user` may change (restrict with "record.update"); NotFound otherwise."""
    if user.is_node:
        return get_record(session, record_type=record_type, record_id=record_id)
    check_write(user, record_type)
    model = model_for(record_type)
    stmt = select(model).where(model.id == record_id)
    if model in RECORD_MODELS.values():
        stmt = restrict(stmt, user, "record.update")
    else:  # capacity tables: no handling codes or cases, only the jurisdiction
        stmt = stmt.where(model.jurisdiction == user.jurisdiction)
    record = session.scalar(stmt)
    if record is None:
        raise NotFound(
            N_("%(record_type)s %(record_id)s does not exist or is not yours to change"),
            values={"record_type": record_type, "record_id": record_id},
        )
    if model in RECORD_MODELS.values():
        mark = marking(session, record_type, record_id)
        if mark is not None:
            raise PermissionDenied(
                N_(
                    "%(record_type)s %(record_id)s was received from %(provider)s: it is the "
                    "provider's record and changes only when %(provider)s updates it; ask "
                    "%(provider)s through an information request, or record what you know in a "
                    "record of your own linked to it"
                ),
                values={
                    "record_type": record_type,
                    "record_id": record_id,
                    "provider": mark.provider,
                },
            )
    return record


def _audit(
    session: Session, user: Principal, action: str, record_type: str, record: Any, **kw: Any
) -> None:
    log_access(
        session,
        user=user,
        action=action,
        record_type=record_type,
        record_id=record.id,
        jurisdiction=record.jurisdiction,
        **kw,
    )


# --- single-record writes -----------------------------------------------------------------------


def get_record(session: Session, *, record_type: str, record_id: int) -> Any:
    """Return the record of `record_type` with `record_id`, or raise NotFound."""
    record = session.get(model_for(record_type), record_id)
    if record is None:
        raise NotFound(
            N_("%(record_type)s %(record_id)s does not exist"),
            values={"record_type": record_type, "record_id": record_id},
        )
    return record


def find_by_ref(
    session: Session, *, record_type: str, jurisdiction: str, external_ref: str
) -> Any | None:
    """Return the record a jurisdiction knows by `external_ref`, or None."""
    model = model_for(record_type)
    stmt = select(model).where(
        model.jurisdiction == jurisdiction, model.external_ref == external_ref
    )
    return session.execute(stmt).scalar_one_or_none()


def is_unique_violation(exc: IntegrityError) -> bool:
    """True when a failed write broke a unique constraint (SQLite or PostgreSQL)."""
    if getattr(exc.orig, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(exc.orig)


def _flush_unique(session: Session, record_type: str, values: Mapping[str, Any]) -> None:
    """Flush; a unique reference taken meanwhile (by another writer) is a Conflict, not a fault."""
    try:
        session.flush()
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        ref = values.get("external_ref")
        raise Conflict(
            N_(
                "%(record_type)s: external_ref %(ref)r is already used in this jurisdiction; "
                "choose another reference"
            ),
            values={"record_type": record_type, "ref": ref},
        ) from None


def create_record(
    session: Session, *, record_type: str, data: Mapping[str, Any], user: Principal
) -> Any:
    """Check, validate, derive and add a record; log its creation; return it (flushed, with id)."""
    check_write(user, record_type)
    values = prepare_values(record_type, {"jurisdiction": user.jurisdiction, **data})
    check_write(user, record_type, values["jurisdiction"])
    if record_type == "link":
        _check_link_ends(session, user, values)
    ref = values.get("external_ref")
    if ref and find_by_ref(
        session, record_type=record_type, jurisdiction=values["jurisdiction"], external_ref=ref
    ):
        raise Conflict(
            N_("%(record_type)s %(ref)r already exists in %(jurisdiction)s"),
            values={"record_type": record_type, "ref": ref, "jurisdiction": values["jurisdiction"]},
        )
    actor = user.username
    record = model_for(record_type)(**values, created_by=actor, updated_by=actor)
    session.add(record)
    _flush_unique(session, record_type, values)
    after_write(session, record_type, {record.id: values})
    if isinstance(record, Case):
        _initial_status(session, record, actor)
    _audit(session, user, "create", record_type, record, after=record_as_dict(record))
    return record


def update_record(
    session: Session, *, record_type: str, record_id: int, data: Mapping[str, Any], user: Principal
) -> Any:
    """Change the given fields of a record; log before/after of what changed; return it."""
    record = writable_record(session, user=user, record_type=record_type, record_id=record_id)
    if data.get("jurisdiction") is not None:
        check_write(user, record_type, data["jurisdiction"])
    if "jurisdiction" in data and data["jurisdiction"] != record.jurisdiction:
        raise Conflict(
            N_("%(record_type)s %(record_id)s: the owning jurisdiction cannot change"),
            values={"record_type": record_type, "record_id": record_id},
        )
    if isinstance(record, Case) and "status" in data and data["status"] != record.status:
        raise Conflict("a case's status changes only through a status change (with its date)")
    before_all = record_as_dict(record)
    values = prepare_values(record_type, data, partial=True, current=before_all)
    changed = {k: v for k, v in values.items() if before_all.get(k) != v}
    if not changed:
        return record
    if record_type == "link" and changed.keys() & {"from_type", "from_id", "to_type", "to_id"}:
        _check_link_ends(session, user, {**before_all, **changed})
    ref = changed.get("external_ref")
    if ref and find_by_ref(
        session, record_type=record_type, jurisdiction=record.jurisdiction, external_ref=ref
    ) not in (None, record):
        raise Conflict(
            N_(
                "%(record_type)s %(record_id)s: external_ref %(ref)r is already used by "
                "another %(record_type)s in %(jurisdiction)s; choose another reference"
            ),
            values={
                "record_type": record_type,
                "record_id": record_id,
                "ref": ref,
                "jurisdiction": record.jurisdiction,
            },
        )
    for key, value in changed.items():
        setattr(record, key, value)
    record.updated_by = user.username
    _flush_unique(session, record_type, changed)
    after_write(session, record_type, {}, {record.id: changed})
    before = {k: before_all.get(k) for k in changed}
    _audit(session, user, "change", record_type, record, before=before, after=changed)
    return record


def delete_record(
    session: Session, *, record_type: str, record_id: int, user: Principal, why: str | None = None
) -> None:
    """Erase a record `user` may change; log what it held (LED art. 25: erasure is logged)."""
    record = writable_record(session, user=user, record_type=record_type, record_id=record_id)
    before = record_as_dict(record)
    _audit(session, user, "erase", record_type, record, before=before, why=why)
    session.delete(record)
    # A grant outlives nothing it named: left behind, it would open a later record that takes
    # the same id (SQLite reuses the highest rowid once its row is gone).
    session.execute(
        delete(AccessGrant).where(
            AccessGrant.record_type == record_type, AccessGrant.record_id == record_id
        )
    )
    session.flush()
    for hook in _ERASE_HOOKS:
        hook(session, record_type, record_id)


# What other domains do when a record is erased, in the same transaction (added at start-up
# by their listeners module): the exchange tells the peers that hold a copy (exchange.erasure).
EraseHook = Callable[[Session, str, int], None]
_ERASE_HOOKS: list[EraseHook] = []


def on_erase(hook: EraseHook) -> None:
    """Call `hook(session, record_type, record_id)` after every erasure (added once)."""
    if hook not in _ERASE_HOOKS:
        _ERASE_HOOKS.append(hook)


def upsert_record(
    session: Session, *, record_type: str, data: Mapping[str, Any], user: Principal
) -> tuple[Any, bool]:
    """Create the record, or update the one with the same jurisdiction + external_ref.

    Returns (record, created).
    """
    jurisdiction, ref = data.get("jurisdiction"), data.get("external_ref")
    if not jurisdiction or not ref:
        raise ValidationFailed(
            N_("%(record_type)s: an upsert needs jurisdiction and external_ref"),
            [{"field": "external_ref", "value": str(ref or ""), "expected": "a reference"}],
            values={"record_type": record_type},
        )
    existing = find_by_ref(
        session, record_type=record_type, jurisdiction=str(jurisdiction), external_ref=str(ref)
    )
    if existing is None:
        return create_record(session, record_type=record_type, data=data, user=user), True
    rest = {k: v for k, v in data.items() if k not in ("jurisdiction", "external_ref")}
    if isinstance(existing, Case) and "status" in rest:
        status = rest.pop("status")
        if status and status != existing.status:
            add_status_change(
                session, case_id=existing.id, status=status, changed_on=date.today(), user=user
            )
    record = update_record(
        session, record_type=record_type, record_id=existing.id, data=rest, user=user
    )
    return record, False


# --- case status history ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _status_rules() -> tuple[dict[str, int], frozenset[str]]:
    spec = load_enums()["case_statuses"]
    terminal = frozenset(spec.get("terminal", []))
    ranks: dict[str, int] = {}
    rank = 0
    for code in spec["values"]:
        ranks[str(code)] = rank
        if code not in terminal:
            rank += 1
    return ranks, terminal


def status_change_problem(current: str | None, new: str) -> str | None:
    """Return why a case may not move from `current` to `new`, or None when it may."""
    ranks, terminal = _status_rules()
    if new not in ranks:
        return f"{new!r} is not a case status (one of {', '.join(ranks)})"
    if current in terminal:
        return f"the case already has its verdict ({current}); its status cannot change"
    if current == new:
        return f"the case is already {current}"
    if current is not None and ranks[new] <= ranks.get(current, -1):
        return f"a case cannot go back from {current} to {new}"
    return None


def allowed_statuses(current: str | None) -> list[str]:
    """Return the statuses a case may move to from `current`, in procedure order."""
    return [code for code in _status_rules()[0] if status_change_problem(current, code) is None]


def status_rank(status: str) -> int:
    """Return a status's place in the procedure (verdicts share the last place)."""
    return _status_rules()[0].get(status, -1)


def status_step_problem(
    history: list[tuple[str, date]], status: str, on: date
) -> tuple[str | None, bool]:
    """Check a dated status step against a case's history (steps in any order).

    Returns (problem, known): `known` when the same status on the same day is already there (an
    import that is run again); otherwise the step must fit the timeline: ranks rise with the
    dates, nothing after a verdict, each status once.
    """
    ranks, terminal = _status_rules()
    if status not in ranks:
        return f"{status!r} is not a case status (one of {', '.join(ranks)})", False
    if (status, on) in history:
        return None, True
    for other, when in sorted(history, key=lambda h: (h[1], ranks.get(h[0], 0))):
        if other == status:
            return f"the case was already {status} on {when.isoformat()}", False
        if other in terminal and when <= on:
            return (
                f"the case has its verdict ({other} on {when.isoformat()}); "
                f"no status can follow it ({status} on {on.isoformat()})"
            ), False
        if status in terminal and when >= on:
            return (
                f"a verdict ({status} on {on.isoformat()}) cannot come before "
                f"{other} on {when.isoformat()}"
            ), False
        earlier = when < on or (when == on and ranks[other] < ranks[status])
        if (ranks[other] > ranks[status]) if earlier else (ranks[other] < ranks[status]):
            first, second = (other, when), (status, on)
            if not earlier:
                first, second = second, first
            return (
                f"a case cannot go back from {first[0]} ({first[1].isoformat()}) to "
                f"{second[0]} ({second[1].isoformat()})"
            ), False
    return None, False


def add_status_change(
    session: Session,
    *,
    case_id: int,
    status: str,
    changed_on: date | str,
    user: Principal,
    court_reference: str | None = None,
    note: str | None = None,
) -> CaseStatusChange:
    """Move a case forward to `status` on `changed_on`; refuse going back or past a verdict."""
    case = writable_record(session, user=user, record_type="case", record_id=case_id)
    problem = status_change_problem(case.status, status)
    if problem:
        raise Conflict(
            N_("case %(reference)s: %(problem)s"),
            values={"reference": case.reference, "problem": problem},
        )
    when = coerce_value(STEP_DATE, changed_on, field="date")
    # Without an opening date, the initial "reported" step carries the day of entry, which
    # says nothing about when the case really moved; only later steps bound the date.
    steps = [h for h in case.history if case.opened_on or h.status != "reported"]
    last = max((h.changed_on for h in steps), default=None)
    if last is not None and when < last:
        raise Conflict(
            N_("case %(reference)s: %(value)s is before the last status change (%(value2)s)"),
            [
                {
                    "field": "changed_on",
                    "value": str(changed_on),
                    "expected": AFTER_LAST_STEP % {"limit": last.isoformat()},
                }
            ],
            values={
                "reference": case.reference,
                "value": when.isoformat(),
                "value2": last.isoformat(),
            },
        )
    before = {"status": case.status, "court_reference": case.court_reference}
    change = CaseStatusChange(
        status=status,
        changed_on=when,
        court_reference=court_reference,
        note=note,
        recorded_by=user.username,
    )
    case.history.append(change)
    case.status = status
    if court_reference:
        case.court_reference = court_reference
    case.updated_by = user.username
    session.flush()
    after = {"status": status, "changed_on": when, "court_reference": case.court_reference}
    _audit(session, user, "change", "case", case, before=before, after=after)
    return change


def _initial_status(session: Session, case: Case, actor: str) -> None:
    session.add(
        CaseStatusChange(
            case_id=case.id,
            status=case.status or "reported",
            changed_on=case.opened_on or date.today(),
            court_reference=case.court_reference,
            recorded_by=actor,
        )
    )
    session.flush()
    session.refresh(case, ["history"])


# --- links --------------------------------------------------------------------------------------


def link_key(
    kind: str,
    from_type: str,
    from_ref: str,
    to_type: str,
    to_ref: str,
    *,
    to_jurisdiction: str | None = None,
) -> str:
    """Return the external_ref of a link: the same two records and kind always give the same.

    A link belongs to its source's jurisdiction, where references are unique; a target of
    another jurisdiction (`to_jurisdiction`) is named with it, since its reference may also be
    that of a record of the source's service (XK "P-2" and MK "P-2").
    """
    if to_jurisdiction:
        to_ref = f"{to_jurisdiction}:{to_ref}"
    text = "\x1f".join((kind, from_type, from_ref, to_type, to_ref))
    return "lk-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def _ref(record: Any) -> str:
    return record.external_ref or f"#{record.id}"


def _link_end(session: Session, user: Principal, record_type: str, record_id: int) -> Any:
    """Return one end of a new link: a record `user` may read (any record for the node)."""
    if user.is_node or model_for(record_type) not in RECORD_MODELS.values():
        return get_record(session, record_type=record_type, record_id=record_id)
    model = model_for(record_type)
    stmt = restrict(select(model).where(model.id == record_id), user, "record.read")
    record = session.scalar(stmt)
    if record is None:
        raise not_found(record_type, record_id)
    return record


def _check_link_ends(session: Session, user: Principal, values: Mapping[str, Any]) -> None:
    """Refuse a link whose ends are missing or are records the user may not see."""
    for end in ("from", "to"):
        end_type, end_id = values.get(f"{end}_type"), values.get(f"{end}_id")
        if end_type not in RECORD_MODELS or not end_id:
            raise ValidationFailed(
                N_("%(end)s_type/%(end)s_id: a link needs both ends"),
                [
                    {
                        "field": f"{end}_type",
                        "value": str(end_type),
                        "expected": "a record type and id",
                    }
                ],
                values={"end": end},
            )
        _link_end(session, user, str(end_type), int(end_id))


def link_records(
    session: Session,
    *,
    kind: str,
    from_type: str,
    from_id: int,
    to_type: str,
    to_id: int,
    user: Principal,
    role: str | None = None,
    valid_from: str | None = None,
    valid_to: str | None = None,
    confidence: float | None = None,
    source_ref: str | None = None,
) -> Link:
    """Link two existing records (idempotent: the same kind between the same two is one link)."""
    source = _link_end(session, user, from_type, from_id)
    target = _link_end(session, user, to_type, to_id)
    other = target.jurisdiction if target.jurisdiction != source.jurisdiction else None
    key = link_key(kind, from_type, _ref(source), to_type, _ref(target), to_jurisdiction=other)
    data = {
        "jurisdiction": source.jurisdiction,
        "external_ref": key,
        "kind": kind,
        "from_type": from_type,
        "from_id": from_id,
        "to_type": to_type,
        "to_id": to_id,
        "role": role,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "confidence": confidence,
        "source_ref": source_ref,
    }
    link, _ = upsert_record(session, record_type="link", data=data, user=user)
    return link
