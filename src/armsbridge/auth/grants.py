"""Case membership and explicit grants: the two ways to see H2/H3 and restricted-case records."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from armsbridge.audit.service import log_event
from armsbridge.auth.models import AccessGrant, CaseMember
from armsbridge.auth.service import get_user, service_of
from armsbridge.errors import NotFound, PermissionDenied, ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.records.models import RECORD_MODELS, Case, Provenance


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(N_("case %(case_id)s does not exist"), values={"case_id": case_id})
    return case


def _services_of(session: Session, record_type: str, record: Any) -> tuple[str, ...]:
    """The services whose users may be let in: the record's own, and the one holding it.

    A record received from the other service keeps its provider's jurisdiction; the service
    that holds it (its Provenance row) grants its own users access to it.
    """
    held = session.scalar(
        select(Provenance.held_by).where(
            Provenance.record_type == record_type, Provenance.record_id == record.id
        )
    )
    return (record.jurisdiction, held) if held else (record.jurisdiction,)


def add_case_member(session: Session, *, case_id: int, username: str, actor: str) -> CaseMember:
    """Make `username` a member of a case (idempotent); logged as an admin act."""
    case = _case(session, case_id)
    user = get_user(session, username)
    if user.jurisdiction not in _services_of(session, "case", case):
        raise PermissionDenied(
            N_("%(username)s works for %(jurisdiction)s; the case is of %(jurisdiction2)s"),
            values={
                "username": username,
                "jurisdiction": user.jurisdiction,
                "jurisdiction2": case.jurisdiction,
            },
        )
    member = session.scalar(
        select(CaseMember).where(CaseMember.case_id == case_id, CaseMember.user_id == user.id)
    )
    if member is None:
        member = CaseMember(case_id=case_id, user_id=user.id, added_by=actor)
        session.add(member)
        session.flush()
        log_event(
            session,
            actor=actor,
            actor_jurisdiction=service_of(session, actor),
            action="admin",
            record_type="case",
            record_id=case_id,
            jurisdiction=case.jurisdiction,
            details={"op": "case.member_add", "username": username},
        )
    return member


def remove_case_member(session: Session, *, case_id: int, username: str, actor: str) -> None:
    """Remove `username` from a case's members; logged as an admin act."""
    case = _case(session, case_id)
    user = get_user(session, username)
    session.execute(
        delete(CaseMember).where(CaseMember.case_id == case_id, CaseMember.user_id == user.id)
    )
    log_event(
        session,
        actor=actor,
        actor_jurisdiction=service_of(session, actor),
        action="admin",
        record_type="case",
        record_id=case_id,
        jurisdiction=case.jurisdiction,
        details={"op": "case.member_remove", "username": username},
    )


def grant_record(
    session: Session,
    *,
    record_type: str,
    record_id: int,
    username: str,
    reason: str,
    actor: str,
    expires_on: date | None = None,
) -> AccessGrant:
    """Let `username` see one H2/H3 record, for a stated reason (and until a date if given)."""
    if record_type not in RECORD_MODELS:
        raise ValidationFailed(
            N_("record_type: %(record_type)r is not a record type"),
            [{"field": "record_type", "value": record_type, "expected": ", ".join(RECORD_MODELS)}],
            values={"record_type": record_type},
        )
    if not reason.strip():
        raise ValidationFailed(
            "reason: a grant needs a reason",
            [{"field": "reason", "value": "", "expected": "a reason"}],
        )
    record = session.get(RECORD_MODELS[record_type], record_id)
    if record is None:
        raise NotFound(
            N_("%(record_type)s %(record_id)s does not exist"),
            values={"record_type": record_type, "record_id": record_id},
        )
    user = get_user(session, username)
    if user.jurisdiction not in _services_of(session, record_type, record):
        raise PermissionDenied(
            N_("%(username)s works for %(jurisdiction)s; the record is of %(jurisdiction2)s"),
            values={
                "username": username,
                "jurisdiction": user.jurisdiction,
                "jurisdiction2": record.jurisdiction,
            },
        )
    grant = AccessGrant(
        record_type=record_type,
        record_id=record_id,
        user_id=user.id,
        granted_by=actor,
        reason=reason.strip(),
        expires_on=expires_on,
    )
    session.add(grant)
    session.flush()
    log_event(
        session,
        actor=actor,
        actor_jurisdiction=service_of(session, actor),
        action="admin",
        record_type=record_type,
        record_id=record_id,
        jurisdiction=record.jurisdiction,
        why=reason.strip(),
        details={
            "op": "grant",
            "username": username,
            "expires_on": expires_on.isoformat() if expires_on else None,
        },
    )
    return grant
