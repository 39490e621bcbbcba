"""Batched inserts and updates of prepared records, for imports of many rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from armsbridge.db.mixins import utcnow
from armsbridge.errors import Conflict
from armsbridge.records.models import Case, CaseStatusChange
from armsbridge.records.service import status_change_problem
from armsbridge.records.validation import model_for

_BOOKKEEPING = ("id", "created_at", "created_by", "updated_at", "updated_by")


# --- bulk writes (imports) ----------------------------------------------------------------------


def bulk_write(
    session: Session,
    *,
    record_type: str,
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    actor: str,
) -> dict[tuple[str, str], int]:
    """Insert and update prepared rows in batches; return {(jurisdiction, external_ref): id}.

    Rows must come from `prepare_values`; updates carry `id`. The caller logs one audit entry
    for the whole batch (an import logs one per file).
    """
    model = model_for(record_type)
    table = model.__table__
    now = utcnow()
    ids: dict[tuple[str, str], int] = {}
    if inserts:
        keys = set().union(*inserts) - set(_BOOKKEEPING)
        defaults = {}
        for col in table.columns:
            if col.key in keys and col.default is not None and col.default.is_scalar:
                defaults[col.key] = col.default.arg
        stamp = {"created_at": now, "updated_at": now, "created_by": actor, "updated_by": actor}
        rows = []
        for item in inserts:
            row = {k: item.get(k) for k in keys}
            for k, v in defaults.items():
                if row[k] is None:
                    row[k] = v
            row.update(stamp)
            rows.append(row)
        stmt = insert(table).returning(table.c.id, table.c.jurisdiction, table.c.external_ref)
        for rid, jur, ref in session.execute(stmt, rows):
            ids[(jur, ref)] = rid
        if record_type == "case":
            _bulk_initial_status(session, rows, ids, actor)
    if updates:
        if record_type == "case":
            _bulk_status_updates(session, updates, actor)
        stamp = {"updated_at": now, "updated_by": actor}
        session.execute(update(model), [{**u, **stamp} for u in updates])
    return ids


def _bulk_initial_status(
    session: Session, rows: list[dict[str, Any]], ids: dict[tuple[str, str], int], actor: str
) -> None:
    history = [
        {
            "case_id": ids[(r["jurisdiction"], r["external_ref"])],
            "status": r.get("status") or "reported",
            "changed_on": r.get("opened_on") or date.today(),
            "court_reference": r.get("court_reference"),
            "recorded_by": actor,
            "recorded_at": utcnow(),
        }
        for r in rows
    ]
    session.execute(insert(CaseStatusChange), history)


def _bulk_status_updates(session: Session, updates: list[dict[str, Any]], actor: str) -> None:
    wanted = {u["id"]: u["status"] for u in updates if u.get("status")}
    if not wanted:
        return
    current = dict(session.execute(select(Case.id, Case.status).where(Case.id.in_(wanted))).all())
    history = []
    for case_id, status in wanted.items():
        if current.get(case_id) == status:
            continue
        problem = status_change_problem(current.get(case_id), status)
        if problem:
            raise Conflict(f"case {case_id}: {problem}")
        history.append(
            {
                "case_id": case_id,
                "status": status,
                "changed_on": date.today(),
                "recorded_by": actor,
                "recorded_at": utcnow(),
            }
        )
    if history:
        session.execute(insert(CaseStatusChange), history)
