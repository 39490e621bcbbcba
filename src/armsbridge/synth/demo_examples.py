"""Values to try hit/no-hit with in the two-node demo, picked from the world's truth files.

For serials, plates and persons: one that BOTH services hold (the truth files say the same
real-world entity is in both exports, and the two nodes' hit/no-hit sets share its match key),
as Kosovo writes it; and one that only North Macedonia holds (no key of it in Kosovo's set).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from armsbridge.db.engine import engine_from_settings
from armsbridge.exchange.hit_models import HitKey
from armsbridge.exchange.hitset import person_keys, plate_keys, serial_keys
from armsbridge.exchange.psi import item_digest
from armsbridge.records.models import Firearm, Person, Vehicle
from armsbridge.synth.demo_nodes import DemoNode


@dataclass(frozen=True)
class Example:
    """A value to type in a hit/no-hit query, and what the answer should be."""

    kind: str
    value: str
    both: bool  # True: both services hold it (a hit); False: only MK (a hit only from MK)


def _truth(world: Path, name: str) -> dict[str, dict[str, list[str]]]:
    """Return {entity: {jurisdiction: [external refs]}} of one truth file."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    with (world / "truth" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            out[row["entity_id"]][row["jurisdiction"]].append(row["external_ref"])
    return out


def _records(node: DemoNode, model: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    engine = engine_from_settings(node.settings)
    try:
        with engine.connect() as conn:
            cols = [model.external_ref, *(getattr(model, c) for c in columns)]
            return {row[0]: row for row in conn.execute(select(*cols))}
    finally:
        engine.dispose()


def _digests(node: DemoNode, kind: str) -> set[str]:
    engine = engine_from_settings(node.settings)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(select(HitKey.digest).where(HitKey.kind == kind)))
    finally:
        engine.dispose()


def _person_value(row: Any) -> str | None:
    if not (row.given_name and row.family_name and row.birth_date):
        return None
    return f"{row.given_name} {row.family_name} {row.birth_date}"


KINDS = {
    # kind: (truth file, model, columns, typed value, keys of a row)
    "serial": (
        "firearms",
        Firearm,
        ("serial_raw", "make"),
        lambda r: r.serial_raw,
        lambda r: serial_keys(r.serial_raw, r.make)[:1],
    ),
    "plate": (
        "vehicles",
        Vehicle,
        ("plate_raw",),
        lambda r: r.plate_raw,
        lambda r: plate_keys(r.plate_raw),
    ),
    "person": (
        "persons",
        Person,
        ("given_name", "family_name", "birth_date", "name_key"),
        _person_value,
        lambda r: person_keys(r.name_key, r.birth_date)[:1] if r.birth_date else [],
    ),
}


def _safe_keys(fn: Any, row: Any) -> list[str]:
    try:
        return list(fn(row))
    except Exception:  # noqa: BLE001 - an odd stored value is simply not a good example
        return []


def pick_examples(world: Path, xk: DemoNode, mk: DemoNode) -> list[Example]:
    """Return, per kind, a value both nodes hold (as XK writes it) and one only MK holds."""
    out: list[Example] = []
    for kind, (truth_name, model, columns, value_of, keys_of) in KINDS.items():
        truth = _truth(world, truth_name)
        xk_rows, mk_rows = _records(xk, model, columns), _records(mk, model, columns)
        xk_set, mk_set = _digests(xk, kind), _digests(mk, kind)
        both = only_mk = None
        for by_j in truth.values():
            xk_refs, mk_refs = by_j.get("XK", []), by_j.get("MK", [])
            if both is None and xk_refs and mk_refs:
                row = xk_rows.get(xk_refs[0])
                keys = _safe_keys(keys_of, row) if row is not None else []
                if keys and value_of(row) and item_digest(keys[0]) in mk_set:
                    both = Example(kind, value_of(row), True)
            if only_mk is None and mk_refs and not xk_refs:
                row = mk_rows.get(mk_refs[0])
                keys = _safe_keys(keys_of, row) if row is not None else []
                digests = {item_digest(k) for k in keys}
                if keys and value_of(row) and digests <= mk_set and not digests & xk_set:
                    only_mk = Example(kind, value_of(row), False)
            if both and only_mk:
                break
        out.extend(e for e in (both, only_mk) if e is not None)
    return out
