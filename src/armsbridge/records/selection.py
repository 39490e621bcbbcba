"""Changes applied at once to several records chosen on a list: assign them to a case, set their
handling code.

Each record goes through the records service (permissions, jurisdiction, received records, the
audit log), and the request's transaction makes the change all or nothing: one refused record
leaves every selected record as it was, and the error names that record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from armsbridge.auth.principal import Principal
from armsbridge.errors import UserError, ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.records import service
from armsbridge.records.listing import spec_of
from armsbridge.records.models import Case, Link
from armsbridge.records.reading import readable
from armsbridge.vocab.service import check_code

MAX_SELECTED = 50  # a selection is made on one page of a list (listing.PAGE_SIZE rows)
CASE_LINK_KIND = {"person": "involved_in"}  # other record types are "part_of" a case
NO_SELECTION = N_("at least one record chosen on the list")
TOO_MANY = N_("at most 50 records at once")
NO_CASE = N_("the reference of a case you may read")


def selected_ids(raw: Iterable[str]) -> list[int]:
    """Return the record ids chosen on a list, in order and once each; refuse none or too many."""
    ids: list[int] = []
    for value in raw:
        text = str(value).strip()
        if not text.isdigit() or len(text) > 10:
            raise ValidationFailed(
                N_("ids: %(value)r is not a record number"),
                [{"field": "ids", "value": text[:20], "expected": NO_SELECTION}],
                values={"value": text[:20]},
            )
        if int(text) not in ids:
            ids.append(int(text))
    if not ids:
        raise ValidationFailed(
            "ids: no record chosen", [{"field": "ids", "value": "", "expected": NO_SELECTION}]
        )
    if len(ids) > MAX_SELECTED:
        raise ValidationFailed(
            N_("ids: %(count_ids)s records chosen, at most %(max_selected)s at once"),
            [{"field": "ids", "value": str(len(ids)), "expected": TOO_MANY}],
            values={"count_ids": len(ids), "max_selected": MAX_SELECTED},
        )
    return ids


def find_case(session: Session, *, user: Principal, reference: str) -> Case:
    """Return the case the user may read with this reference (their own jurisdiction's first)."""
    text = reference.strip()
    stmt = readable("case", user).where(func.lower(Case.reference) == text.lower())
    found = session.scalars(stmt.limit(3))
    cases = sorted(found, key=lambda c: c.jurisdiction != user.jurisdiction)
    if not text or not cases:
        raise ValidationFailed(
            N_("case: no case %(value)r that you may read"),
            [{"field": "case", "value": text[:40], "expected": NO_CASE}],
            values={"value": text[:40]},
        )
    return cases[0]


def case_choices(session: Session, *, user: Principal, limit: int = 100) -> list[str]:
    """Return the references of the latest cases the user may read, to pick one by typing."""
    stmt = readable("case", user).with_only_columns(Case.reference)
    stmt = stmt.order_by(Case.opened_on.desc().nulls_last(), Case.id.desc()).limit(limit)
    return list(dict.fromkeys(session.scalars(stmt)))


def assign_to_case(
    session: Session,
    *,
    user: Principal,
    record_type: str,
    ids: list[int],
    case: Case,
    role: str | None = None,
) -> int:
    """Put each record in `case` (its case column, or a link); return how many changed."""
    if spec_of(record_type).by_case is None:
        raise ValidationFailed(
            N_("%(record_type)s records are not assigned to cases"),
            [{"field": "action", "value": "case", "expected": N_("an action this list offers")}],
            values={"record_type": record_type},
        )
    if role:
        role = check_code("data_subject_roles", role, field="role")
    kind = CASE_LINK_KIND.get(record_type, "part_of")
    changed = 0
    # Through a link, as every record joins a case (records.api_schemas): a record's own case
    # column is the case it was recorded in, and decides case-restricted access.
    for record_id in ids:
        with _naming(record_type, record_id):
            service.writable_record(
                session, user=user, record_type=record_type, record_id=record_id
            )
            linked = _linked(session, kind, record_type, record_id, case.id)
            if linked == "from_case":  # already in the case, written the other way round
                continue
            changed += linked is None
            service.link_records(
                session,
                kind=kind,
                from_type=record_type,
                from_id=record_id,
                to_type="case",
                to_id=case.id,
                user=user,
                role=role if record_type == "person" else None,
            )
    return changed


def set_handling_code(
    session: Session, *, user: Principal, record_type: str, ids: list[int], code: str
) -> int:
    """Give each record the handling code `code`; return how many changed."""
    code = check_code("handling_codes", code, field="handling_code")
    changed = 0
    for record_id in ids:
        with _naming(record_type, record_id):
            record = service.writable_record(
                session, user=user, record_type=record_type, record_id=record_id
            )
            if record.handling_code != code:
                service.update_record(
                    session,
                    record_type=record_type,
                    record_id=record_id,
                    data={"handling_code": code},
                    user=user,
                )
                changed += 1
    return changed


def _linked(
    session: Session, kind: str, record_type: str, record_id: int, case_id: int
) -> str | None:
    """'to_case' or 'from_case' when a link of `kind` joins the record and the case, else None."""
    to_case = and_(
        Link.from_type == record_type,
        Link.from_id == record_id,
        Link.to_type == "case",
        Link.to_id == case_id,
    )
    from_case = and_(
        Link.from_type == "case",
        Link.from_id == case_id,
        Link.to_type == record_type,
        Link.to_id == record_id,
    )
    way = when((to_case, "to_case"), else_="from_case")
    stmt = select(way).where(Link.kind == kind, or_(to_case, from_case)).order_by(way.desc())
    return session.scalar(stmt.limit(1))


@contextmanager
def _naming(record_type: str, record_id: int) -> Iterator[None]:
    """Prefix a refusal with the record it concerns, so the user knows which one stopped all."""
    where = f"{record_type} {record_id}"
    try:
        yield
    except UserError as exc:
        text = str(exc)
        if not text.startswith(where):
            text = f"{where}: {text.removeprefix(f'{record_type}: ')}"
            exc.args = (text, *exc.args[1:])
            # The page says it in the user's language: the record, then the refusal in full.
            said = UserError(exc.template, values=exc.values)
            exc.template, exc.values = (
                N_("%(where)s: %(refusal)s"),
                {"where": where, "refusal": said},
            )
        raise
