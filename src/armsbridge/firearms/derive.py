"""Columns of a firearm record that follow from others: serial keys, calibre, legal category.

The ORM events of `firearms.listeners` keep them current whenever a Firearm is written through
the ORM; rows written in bulk (imports) are brought up to date by `service.refresh_firearms`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.engine import Connection

from armsbridge.errors import ValidationFailed
from armsbridge.firearms.assess import assess
from armsbridge.firearms.calibre import normalise_calibre
from armsbridge.firearms.categories import categorize, load_rules
from armsbridge.firearms.models import FirearmSerialGram
from armsbridge.firearms.schemas import OBSERVATIONS, CategoryResult, parse_facts
from armsbridge.firearms.serials import fold_confusables, normalise_serial
from armsbridge.firearms.wording import Msg, fact_name, seq
from armsbridge.i18n_marker import N_
from armsbridge.records.models import Firearm

GRAM = 3


def serial_columns(serial_raw: str | None, serial_normalised: str | None = None) -> dict[str, Any]:
    """Return serial_normalised, serial_key and serial_key_rev for a raw (or normalised) serial."""
    normal = normalise_serial(serial_raw) if serial_raw else (serial_normalised or "")
    key = fold_confusables(normal) if normal else ""
    return {
        "serial_normalised": normal or None,
        "serial_key": key or None,
        "serial_key_rev": key[::-1] or None,
    }


def serial_grams(key: str | None) -> set[str]:
    """Return the trigrams of a folded serial key (none for keys shorter than three)."""
    if not key:
        return set()
    return {key[i : i + GRAM] for i in range(len(key) - GRAM + 1)}


def record_facts(firearm: Firearm) -> dict[str, Any]:
    """Return the categorisation facts of a record: its `facts` JSON completed by its columns."""
    facts = {k: v for k, v in (firearm.facts or {}).items() if k not in OBSERVATIONS}
    if firearm.kind:
        facts["kind"] = firearm.kind
    if firearm.action:
        facts["action"] = firearm.action
    if firearm.conversion_kind == "auto_to_semi" and facts.get("converted_from_automatic") is None:
        facts["converted_from_automatic"] = True
    # An alarm weapon converted to live fire no longer meets Implementing Directive 2019/69.
    if firearm.conversion_kind == "blank_to_live" and facts.get("meets_alarm_signal_specs") is None:
        facts["meets_alarm_signal_specs"] = False
    return facts


# Results by (rules version, facts): most records share a handful of fact sets, and an import
# categorises each record twice (its refresh, then the flush that writes it).
_CATEGORIES: dict[tuple[str, str], CategoryResult] = {}
_CATEGORIES_MAX = 4096


def categorize_record(firearm: Firearm) -> CategoryResult:
    """Categorise a firearm record from its columns and facts; bad stored facts are reported."""
    raw = record_facts(firearm)
    try:
        facts = parse_facts(raw, where=f"firearm {firearm.id or 'new'} facts")
    except ValidationFailed as exc:
        result = categorize({})
        result.category = "undetermined"
        result.point = None
        result.missing = sorted({p["field"] for p in exc.problems})
        result.reasons = [
            Msg(
                f"stored facts are invalid: {exc}",
                N_("the stored facts are not valid (%(facts)s): answer these questions again"),
                facts=seq([fact_name(n) for n in result.missing], "; "),
            )
        ]
        return result
    try:
        key = [raw, firearm.make, firearm.model, firearm.calibre, firearm.markings]
        memo: tuple[str, str] | None = (load_rules().version, json.dumps(key, sort_keys=True))
    except TypeError:  # valid facts that JSON cannot write: categorised without the memo
        memo = None
    if memo is not None and (known := _CATEGORIES.get(memo)) is not None:
        return known.model_copy(deep=True)
    result = assess(
        facts,
        make=firearm.make,
        model=firearm.model,
        calibre=firearm.calibre,
        markings=firearm.markings,
    )
    if memo is not None:
        if len(_CATEGORIES) >= _CATEGORIES_MAX:
            _CATEGORIES.clear()
        _CATEGORIES[memo] = result.model_copy(deep=True)
    return result


def apply_derived(firearm: Firearm) -> None:
    """Set the derived columns of a firearm from its raw columns (no database access)."""
    for name, value in serial_columns(firearm.serial_raw, firearm.serial_normalised).items():
        setattr(firearm, name, value)
    if firearm.calibre:
        firearm.calibre_normalised = normalise_calibre(firearm.calibre)
    result = categorize_record(firearm)
    firearm.category = result.category
    firearm.category_point = result.point
    firearm.category_reasons = result.reasons
    firearm.category_missing = result.missing
    firearm.rules_version = result.rules_version


def write_grams(conn: Connection, firearm_id: int, key: str | None) -> None:
    """Replace the trigram rows of one firearm."""
    conn.execute(delete(FirearmSerialGram).where(FirearmSerialGram.firearm_id == firearm_id))
    grams = serial_grams(key)
    if grams:
        rows = [{"gram": g, "firearm_id": firearm_id} for g in sorted(grams)]
        conn.execute(insert(FirearmSerialGram), rows)
