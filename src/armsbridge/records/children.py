"""Child rows a record owns without a reference of their own (a person's identity documents)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.vocab.service import load_record_schema
from armsbridge.vocab.values import coerce_value


@dataclass(frozen=True)
class ChildType:
    """A child table: its parent record type, the column that holds the parent's id, its key."""

    name: str
    parent: str
    model: Any
    parent_column: str
    key: tuple[str, ...]
    fields: dict[str, dict[str, Any]]


@cache
def child_types() -> dict[str, ChildType]:
    """Return the child types of vocab/records.yaml (`child_types`) by name."""
    out = {}
    for name, spec in (load_record_schema().get("child_types") or {}).items():
        module, _, cls = spec["model"].partition(":")
        out[name] = ChildType(
            name,
            spec["parent"],
            getattr(import_module(module), cls),
            spec["parent_column"],
            tuple(spec["key"]),
            dict(spec["fields"]),
        )
    return out


def prepare_child(child_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Validate one child row against its schema; one ValidationFailed lists every problem."""
    spec = child_types()[child_type]
    values, problems = {}, []
    for name, field_spec in spec.fields.items():
        try:
            values[name] = coerce_value(field_spec, data.get(name), field=name)
        except ValidationFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationFailed(
            N_("%(child_type)s: invalid values"), problems, values={"child_type": child_type}
        )
    return values


def child_key(child_type: str, values: dict[str, Any]) -> tuple[Any, ...]:
    """Return what makes a child row the same one under its parent."""
    return tuple(values.get(k) for k in child_types()[child_type].key)


def add_children(
    session: Session, *, child_type: str, rows: list[tuple[int, dict[str, Any]]]
) -> int:
    """Insert (parent id, values) rows not yet stored under their parent; return how many.

    Idempotent: a row whose key (e.g. kind and number) its parent already has is skipped, and
    stored values are kept.
    """
    spec = child_types()[child_type]
    if not rows:
        return 0
    parent_col = getattr(spec.model, spec.parent_column)
    key_cols = [getattr(spec.model, k) for k in spec.key]
    parents = sorted({pid for pid, _ in rows})
    stored: set[tuple[Any, ...]] = set()
    for start in range(0, len(parents), 2000):
        chunk = parents[start : start + 2000]
        stmt = select(parent_col, *key_cols).where(parent_col.in_(chunk))
        stored.update(tuple(r) for r in session.execute(stmt))
    new = []
    for pid, values in rows:
        ident = (pid, *child_key(child_type, values))
        if ident in stored:
            continue
        stored.add(ident)
        new.append({spec.parent_column: pid, **values})
    if new:
        session.execute(insert(spec.model), new)
    return len(new)
