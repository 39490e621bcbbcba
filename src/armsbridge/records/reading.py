"""The one read path of records: restrict(), the justification rule and the consultation log.

Pages, the API, the CLI and exports read records only through these functions, so the same rule
holds however the data is reached: a record the account may not see is not found; a personal
record (records.yaml `personal: true`) is shown only with a justification; every record shown is
named in a consultation entry of the audit log (LED art. 25).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.permissions import restrict
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_, Phrase
from armsbridge.records.labels import not_found
from armsbridge.records.models import RECORD_MODELS
from armsbridge.records.validation import model_for
from armsbridge.vocab.registry import personal_record_types

MIN_WHY = 3  # characters: "-" or "x" is no justification
MAX_WHY = 500


class JustificationRequired(ValidationFailed):
    """A personal record was asked for without saying why (422, naming the field `why`)."""


def needs_justification(record_type: str) -> bool:
    """True when reading records of `record_type` must state why (personal data)."""
    return record_type in personal_record_types()


def check_justification(record_type: str, why: str | None) -> str | None:
    """Return the cleaned justification; refuse a missing one for personal records."""
    text = (why or "").strip() or None
    if text is not None and len(text) > MAX_WHY:
        raise ValidationFailed(
            N_("why: at most %(max_why)s characters"),
            [
                {
                    "field": "why",
                    "value": text[:40],
                    "expected": Phrase(N_("at most %(count)s characters"), {"count": MAX_WHY}),
                }
            ],
            values={"max_why": MAX_WHY},
        )
    if needs_justification(record_type) and (text is None or len(text) < MIN_WHY):
        raise JustificationRequired(
            N_("why: reading %(record_type)s records needs a justification (the case or task)"),
            [
                {
                    "field": "why",
                    "value": text or "",
                    "expected": "a justification (the case or task)",
                }
            ],
            values={"record_type": record_type},
        )
    return text


def readable(record_type: str, user: Principal, action: str = "record.read") -> Select:
    """Return `select(Model)` of a record type narrowed to what `user` may `action`."""
    return restrict(select(RECORD_MODELS[record_type]), user, action)


def log_consultation(
    session: Session,
    *,
    user: Principal,
    record_type: str,
    records: Iterable[Any],
    why: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Write one consult entry naming every record shown (nothing when none was shown)."""
    shown = list(records)
    if not shown:
        return
    if len(shown) == 1 and not details:
        log_access(
            session,
            user=user,
            action="consult",
            record_type=record_type,
            record_id=shown[0].id,
            jurisdiction=shown[0].jurisdiction,
            why=why,
        )
        return
    log_access(
        session,
        user=user,
        action="consult",
        record_type=record_type,
        why=why,
        details={**(details or {}), "ids": [record.id for record in shown]},
    )


def read_record(
    session: Session,
    *,
    user: Principal,
    record_type: str,
    record_id: int,
    why: str | None = None,
    log: bool = True,
) -> Any:
    """Return one record `user` may read, after the justification rule; log the consultation."""
    why = check_justification(record_type, why) if log else why
    model = RECORD_MODELS[record_type]
    record = session.scalar(readable(record_type, user).where(model.id == record_id))
    if record is None:
        raise not_found(record_type, record_id)
    if log:
        log_consultation(session, user=user, record_type=record_type, records=[record], why=why)
    return record


def list_records(
    session: Session,
    *,
    user: Principal,
    record_type: str,
    why: str | None = None,
    where: Sequence[Any] = (),
    stmt: Select | None = None,
    offset: int = 0,
    limit: int = 50,
    details: dict[str, Any] | None = None,
    newest_first: bool = True,
) -> tuple[list[Any], int]:
    """Return (a page of records `user` may read, newest first or in id order; the total).

    `stmt` is a filtered `readable()` statement (API filters); `where` adds conditions.
    """
    why = check_justification(record_type, why)
    model = RECORD_MODELS[record_type]
    query = (stmt if stmt is not None else readable(record_type, user)).where(*where)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = model.id.desc() if newest_first else model.id
    rows = list(session.scalars(query.order_by(order).offset(offset).limit(limit)))
    log_consultation(
        session, user=user, record_type=record_type, records=rows, why=why, details=details
    )
    return rows, total


def iter_readable(
    session: Session, *, user: Principal, record_type: str, jurisdiction: str | None = None
) -> Iterator[Any]:
    """Yield every record of a type `user` may read, in id order (exports); the caller logs.

    Capacity tables (trainings, participants) carry no handling code or case: an account reads
    those of its own service.
    """
    model = model_for(record_type)
    if model in RECORD_MODELS.values():
        stmt = readable(record_type, user)
    elif user.is_node:
        stmt = select(model)
    else:
        stmt = select(model).where(model.jurisdiction == user.jurisdiction)
    stmt = stmt.order_by(model.id).execution_options(yield_per=2000)
    if jurisdiction:
        stmt = stmt.where(model.jurisdiction == jurisdiction)
    yield from session.scalars(stmt)
