"""Problem, subject and risk profiles kept as documents: generate, list, open, write, grade,
finalise.

A product is generated from the records its author may read, with a justification (it names
persons), and stored with its content, so it says what the records said that day. Its handling
code starts at the strictest code of what it draws on and can only be made stricter; an H2/H3
product is seen by its author (a grant, as for captures), members of its case, and holders of a
grant. Every act is an audit entry on record type "product"; opening one logs the persons it
names with the reader's justification. A final product no longer changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.analysis import problem as problems
from armsbridge.analysis import risk_profile as risks
from armsbridge.analysis import subject as subjects
from armsbridge.analysis.evidence import Evidence
from armsbridge.analysis.models import AnalysisProduct
from armsbridge.analysis.service import RANK
from armsbridge.auth.access import log_access
from armsbridge.auth.models import AccessGrant
from armsbridge.auth.permissions import restrict, role_allows, role_label
from armsbridge.auth.principal import Principal
from armsbridge.errors import NotFound, PermissionDenied, ValidationFailed
from armsbridge.i18n_marker import N_, Label
from armsbridge.records import reading

SECTIONS = ("summary", "assessment", "recommendations")
SOURCE_GRADES = ("A", "B", "C", "X")
INFORMATION_GRADES = ("1", "2", "3", "4")
CODES = ("H0", "H1", "H2", "H3")
MAX_SECTION = 20_000


def _check_may(user: Principal, action: str) -> None:
    if not role_allows(user.role, action):
        raise PermissionDenied(
            N_("the account %(user)r (role %(role)s) may not %(verb)s (%(action)s)"),
            values={
                "user": user.username,
                "role": Label(role_label(user.role)),
                "verb": Label(
                    N_("write profiles") if action == "product.write" else N_("open profiles")
                ),
                "action": action,
            },
        )


def _refuse(name: str, value: str, expected: str) -> None:
    raise ValidationFailed(
        N_("%(field)s: %(value)s is not valid."),
        [{"field": name, "value": value[:60], "expected": expected}],
        values={"field": name, "value": value[:60]},
    )


def _keep_sight(session: Session, user: Principal, row: AnalysisProduct) -> None:
    """Grant the author sight of an H2/H3 product (restrict() then needs a case or a grant)."""
    if row.handling_code not in ("H2", "H3"):
        return
    held = session.scalar(
        select(AccessGrant.id).where(
            AccessGrant.record_type == "product",
            AccessGrant.record_id == row.id,
            AccessGrant.user_id == user.id,
        )
    )
    if held is None:
        session.add(
            AccessGrant(
                record_type="product",
                record_id=row.id,
                user_id=user.id,
                granted_by=user.username,
                reason="made by this account",
            )
        )


def _store(
    session: Session,
    *,
    user: Principal,
    kind: str,
    title: str,
    params: dict[str, Any],
    why: str,
    content: dict[str, Any],
    evidence: Evidence,
) -> AnalysisProduct:
    marking = evidence.marking(session)
    content = {**content, "marking": marking}
    code = marking["handling_code"]
    row = AnalysisProduct(
        kind=kind,
        title=title.strip()[:300] or kind,
        jurisdiction=user.jurisdiction,
        handling_code=code,
        handling_restriction="; ".join(marking["restrictions"]) or None,
        params=params,
        purpose=why,
        content=content,
        sections={},
        created_by=user.username,
        updated_by=user.username,
    )
    session.add(row)
    session.flush()
    _keep_sight(session, user, row)
    log_access(
        session,
        user=user,
        action="create",
        record_type="product",
        record_id=row.id,
        why=why,
        details={
            "kind": kind,
            "params": params,
            "handling_code": code,
            "records": marking["records"],
        },
    )
    return row


def create_problem(
    session: Session, *, user: Principal, problem: problems.Problem, title: str, why: str | None
) -> AnalysisProduct:
    """Generate a problem profile from the records `user` may read and store it as a draft."""
    _check_may(user, "product.write")
    why_text = reading.check_justification("person", why) or ""
    content, evidence = problems.generate(session, user=user, problem=problem, why=why_text)
    return _store(
        session,
        user=user,
        kind="problem",
        title=title,
        params=problem.as_params(),
        why=why_text,
        content=content,
        evidence=evidence,
    )


def create_subject(
    session: Session,
    *,
    user: Principal,
    record_type: str,
    record_id: int,
    title: str,
    why: str | None,
) -> AnalysisProduct:
    """Generate a subject profile of a person or organisation and store it as a draft."""
    _check_may(user, "product.write")
    if record_type not in subjects.SUBJECT_TYPES:
        _refuse("subject", record_type, N_("a person or an organisation"))
    why_text = reading.check_justification("person", why) or ""
    content, evidence = subjects.generate(
        session, user=user, record_type=record_type, record_id=record_id, why=why_text
    )
    return _store(
        session,
        user=user,
        kind="subject",
        title=title or content["subject"]["label"],
        params={"record_type": record_type, "record_id": record_id},
        why=why_text,
        content=content,
        evidence=evidence,
    )


def create_risk(
    session: Session,
    *,
    user: Principal,
    question: risks.RiskQuestion,
    title: str,
    why: str | None,
) -> AnalysisProduct:
    """Generate a border risk profile from this service's passages and store it as a draft.

    It names no person, so the reason is the profile's purpose and may be left out.
    """
    _check_may(user, "product.write")
    content, evidence = risks.generate(session, user=user, question=question)
    return _store(
        session,
        user=user,
        kind="risk",
        title=title,
        params=question.as_params(),
        why=(why or "").strip()[:500],
        content=content,
        evidence=evidence,
    )


def visible(user: Principal) -> Any:
    """Return the statement of the products `user` may open, newest first."""
    stmt = select(AnalysisProduct).order_by(
        AnalysisProduct.updated_at.desc(), AnalysisProduct.id.desc()
    )
    return restrict(stmt, user, "product.read")


def list_products(session: Session, *, user: Principal, limit: int = 200) -> list[AnalysisProduct]:
    """Return the products `user` may open (titles and markings only: no person is shown)."""
    _check_may(user, "product.read")
    return list(session.scalars(visible(user).limit(limit)))


def get_product(session: Session, *, user: Principal, product_id: int) -> AnalysisProduct:
    """Return one product `user` may open (NotFound otherwise); nothing is logged."""
    _check_may(user, "product.read")
    row = session.scalar(visible(user).where(AnalysisProduct.id == product_id))
    if row is None:
        raise NotFound(
            N_("profile %(product)s does not exist or you may not open it"),
            values={"product": product_id},
        )
    return row


def named_persons(row: AnalysisProduct) -> list[int]:
    """Return the ids of the persons a product's content names."""
    content = row.content or {}
    refs = [p["ref"] for p in content.get("people", [])]
    refs += [p["ref"] for p in content.get("identity", [])]
    refs += [a["ref"] for a in content.get("associates", [])]
    refs += [s["ref"] for s in content.get("same_as", [])]
    return sorted({int(r.split(":")[1]) for r in refs if r.startswith("person:")})


def open_product(
    session: Session,
    *,
    user: Principal,
    product_id: int,
    why: str | None,
    export: str | None = None,
) -> AnalysisProduct:
    """Return a product to read (page or PDF); log the persons it names with the reason."""
    row = get_product(session, user=user, product_id=product_id)
    ids = named_persons(row)
    if ids:
        why = reading.check_justification("person", why or row.purpose)
    stub = [SimpleNamespace(id=i, jurisdiction=row.jurisdiction) for i in ids]
    details = {"product": row.id, **({"export": export} if export else {})}
    if stub:
        reading.log_consultation(
            session, user=user, record_type="person", records=stub, why=why, details=details
        )
    log_access(
        session,
        user=user,
        action="export" if export else "consult",
        record_type="product",
        record_id=row.id,
        why=why,
        details=details,
    )
    return row


def update_product(
    session: Session,
    *,
    user: Principal,
    product_id: int,
    sections: dict[str, str],
    source_grade: str | None,
    information_grade: str | None,
    handling_code: str,
    handling_restriction: str | None,
    final: bool = False,
) -> AnalysisProduct:
    """Save the analyst's sections, grades and marking (never weaker); finalise if asked."""
    _check_may(user, "product.write")
    row = get_product(session, user=user, product_id=product_id)
    if row.status == "final":
        raise ValidationFailed(
            N_("profile %(product)s is final and no longer changes; generate a new one"),
            [{"field": "status", "value": "final", "expected": N_("a draft")}],
            values={"product": row.id},
        )
    for name, value in sections.items():
        if name not in SECTIONS:
            _refuse("section", name, N_("a section of the profile"))
        if len(value) > MAX_SECTION:
            _refuse(name, value[:40], N_("at most 20000 characters"))
    if source_grade and source_grade not in SOURCE_GRADES:
        _refuse("source_grade", source_grade, N_("A, B, C or X"))
    if information_grade and information_grade not in INFORMATION_GRADES:
        _refuse("information_grade", information_grade, N_("1, 2, 3 or 4"))
    least = row.content.get("marking", {}).get("handling_code", "H0")
    if handling_code not in CODES:
        _refuse("handling_code", handling_code, N_("a handling code"))
    if RANK[handling_code] < RANK[least]:
        _refuse(
            "handling_code",
            handling_code,
            N_("a code at least as strict as the records the profile draws on"),
        )
    if handling_code == "H3" and not (handling_restriction or "").strip():
        _refuse("handling_restriction", "", N_("the restriction, in words, for H3"))
    before = {
        "sections": row.sections,
        "source_grade": row.source_grade,
        "information_grade": row.information_grade,
        "handling_code": row.handling_code,
        "status": row.status,
    }
    row.sections = {k: v.strip() for k, v in sections.items() if v.strip()}
    row.source_grade = source_grade or None
    row.information_grade = information_grade or None
    row.handling_code = handling_code
    row.handling_restriction = (handling_restriction or "").strip() or row.handling_restriction
    row.status = "final" if final else "draft"
    _keep_sight(session, user, row)
    row.updated_at = datetime.now(UTC)
    row.updated_by = user.username
    after = {
        "sections": row.sections,
        "source_grade": row.source_grade,
        "information_grade": row.information_grade,
        "handling_code": row.handling_code,
        "status": row.status,
    }
    log_access(
        session,
        user=user,
        action="change",
        record_type="product",
        record_id=row.id,
        before=before,
        after=after,
    )
    return row
