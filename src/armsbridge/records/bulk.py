"""Batched inserts and updates of prepared records, for imports of many rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from armsbridge.auth.principal import Principal
from armsbridge.db.mixins import utcnow
from armsbridge.db.rows import insert_rows
from armsbridge.errors import Conflict
from armsbridge.i18n_marker import N_
from armsbridge.records.models import (
    Case,
    CaseStatusChange,
)
from armsbridge.records.service import after_write, check_write, status_change_problem
from armsbridge.records.validation import model_for

_BOOKKEEPING = ("id", "created_at", "created_by", "updated_at", "updated_by")


# --- bulk writes (imports) ----------------------------------------------------------------------


def bulk_write(
    session: Session,
    *,
    record_type: str,
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    user: Principal,
    case_history: bool = True,
    changes: list[tuple[str, int, str]] | None = None,
) -> dict[tuple[str, str], int]:
    """Insert and update prepared rows in batches; return {(jurisdiction, external_ref): id}.

    Rows must come from `prepare_values` (insert rows are completed in place); updates carry
    `id`. The caller logs one audit entry for the whole batch (an import logs one per file).
    Cases get their status-history steps here unless `case_history` is false (the caller then
    writes dated steps itself). `changes` collects one (record type, id, op) row per record
    written, which the caller stores under its audit entry (audit.service.add_changes).
    """
    for jurisdiction in {row["jurisdiction"] for row in inserts}:
        check_write(user, record_type, jurisdiction)
    if updates:
        check_write(user, record_type)
    actor = user.username
    model = model_for(record_type)
    table = model.__table__
    now = utcnow()
    ids: dict[tuple[str, str], int] = {}
    if inserts:
        keys = set().union(*inserts) - set(_BOOKKEEPING)
        defaults: dict[str, Any] = {}  # column defaults, evaluated once for the batch
        absent: dict[str, Any] = {}
        for col in table.columns:
            if col.key in _BOOKKEEPING or col.default is None:
                continue
            if col.default.is_scalar:
                value = col.default.arg
            elif col.default.is_callable:
                value = col.default.arg(None)
            else:
                continue
            (defaults if col.key in keys else absent)[col.key] = value
        stamp = {"created_at": now, "updated_at": now, "created_by": actor, "updated_by": actor}
        fill = {**absent, **stamp}
        rows = inserts  # completed in place: every row gets the same keys
        for row in rows:
            if len(row) != len(keys):
                for k in keys:
                    row.setdefault(k, None)
            for k, v in defaults.items():
                if row[k] is None:
                    row[k] = v
            row.update(fill)
        for row, rid in zip(rows, _insert_rows(session, table, rows), strict=True):
            ids[(row["jurisdiction"], row["external_ref"])] = rid
        if record_type == "case" and case_history:
            _bulk_initial_status(session, rows, ids, actor)
    if updates:
        if record_type == "case" and case_history:
            _bulk_status_updates(session, updates, actor)
        stamp = {"updated_at": now, "updated_by": actor}
        session.execute(update(model), [{**u, **stamp} for u in updates])
    if changes is not None:
        changes.extend((record_type, rid, "create") for rid in ids.values())
        changes.extend((record_type, u["id"], "change") for u in updates)
    if record_type == "firearm":
        # Serial keys, trigram index and legal category follow from the raw columns.
        from armsbridge.firearms.service import refresh_firearms

        refresh_firearms(session, ids=[*ids.values(), *(u["id"] for u in updates)])
    elif record_type == "person":
        after_write(
            session,
            record_type,
            {row["id"]: row for row in inserts},
            {u["id"]: u for u in updates},
        )
    elif record_type == "ammunition":
        # Live ammunition in the same event or case is evidence of a converted blank pistol.
        from armsbridge.firearms.service import recheck_for_ammunition

        recheck_for_ammunition(session, lot_ids=[*ids.values(), *(u["id"] for u in updates)])
    return ids


def _insert_rows(session: Session, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows and return their ids in row order.

    PostgreSQL: ids are drawn from the table's sequence first, so the rows go in one pipelined
    executemany (psycopg), several times faster than INSERT ... RETURNING over VALUES pages.
    SQLite: ids follow the largest stored one, and the rows go in one executemany.
    """
    if session.get_bind().dialect.name == "postgresql":
        ids = list(
            session.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table.name, "n": len(rows)},
            ).scalars()
        )
        for row, rid in zip(rows, ids, strict=True):
            row["id"] = rid
        insert_rows(session, table, rows)
        return ids
    # SQLite: RETURNING cannot promise row order, so SQLAlchemy would insert row by row. Ids are
    # given instead, as SQLite itself would (largest + 1): the transaction that writes holds the
    # store's only write lock, and a stale read would fail the insert rather than reuse an id.
    start = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    ids = list(range(start + 1, start + 1 + len(rows)))
    for row, rid in zip(rows, ids, strict=True):
        row["id"] = rid
    insert_rows(session, table, rows)
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
            raise Conflict(
                N_("case %(case_id)s: %(problem)s"), values={"case_id": case_id, "problem": problem}
            )
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
