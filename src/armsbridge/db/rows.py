"""Fast inserts of many rows: one DBAPI executemany, for imports and the rows that follow them."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.orm import Session


def _memo(process: Any) -> Any:
    """Wrap a bind processor so each distinct (hashable) value is processed once per batch."""
    done: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        try:
            return done[value]
        except KeyError:
            done[value] = result = process(value)
            return result
        except TypeError:  # unhashable (a JSON list): process every time
            return process(value)

    return run


def insert_rows(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) through one DBAPI executemany (nothing if none).

    Values pass through each column type's own bind processor (dates, JSON, booleans), as
    SQLAlchemy would, without its per-row parameter machinery, which costs more than the insert.
    """
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    compiled = insert(table).values({k: bindparam(k) for k in keys}).compile(dialect=dialect)
    processors = {
        k: _memo(proc)
        for k in keys
        if (proc := table.c[k].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    }
    params: list[Any] = []
    if compiled.positional:
        order = list(compiled.positiontup or [])
        get = itemgetter(*order)
        at = [(i, processors[k]) for i, k in enumerate(order) if k in processors]
        for row in rows:
            values = list(get(row)) if len(order) > 1 else [get(row)]
            for i, process in at:
                values[i] = process(values[i])
            params.append(tuple(values))
    else:
        for row in rows:
            named = dict(row)
            for k, process in processors.items():
                named[k] = process(named[k])
            params.append(named)
    conn.exec_driver_sql(compiled.string, params)
