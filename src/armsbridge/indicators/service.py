"""Indicator computation: definitions (data) applied to the rows of the records, per period.

A report is `{"period": {...}, "indicators": [{"id", "title", "value", "numerator",
"denominator", "breakdown": {dimension: {code: n}}}]}`. A breakdown named `a/b` nests: `{a_code:
{b_code: n}}`. For a proportion, the breakdown counts the denominator and `numerator_breakdown`
counts the numerator, so the proportion of any part can be read off both.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session

from armsbridge.errors import UserError
from armsbridge.i18n_marker import N_
from armsbridge.indicators.schemas import Definitions, IndicatorDef
from armsbridge.indicators.sources import SOURCES, Row

DEFINITIONS_FILE = Path(__file__).parent / "definitions.yaml"
UNKNOWN = "unknown"


def load_definitions(path: Path | None = None) -> Definitions:
    """Read and validate an indicator definitions file (the shipped one by default)."""
    if path is None:
        return _shipped_definitions()
    return _parse_definitions(path)


@lru_cache(maxsize=1)
def _shipped_definitions() -> Definitions:
    return _parse_definitions(DEFINITIONS_FILE)


def _parse_definitions(path: Path) -> Definitions:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserError(N_("definitions file not found: %(path)s"), values={"path": path}) from exc
    except yaml.YAMLError as exc:
        raise UserError(
            N_("%(path)s: not valid YAML: %(exc)s"), values={"path": path, "exc": exc}
        ) from exc
    try:
        definitions = Definitions.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserError(
            N_("%(path)s: %(where)s: %(msg)s"),
            values={"path": path, "where": where, "msg": first["msg"]},
        ) from exc
    for ind in definitions.indicators:
        if ind.source not in SOURCES:
            raise UserError(
                N_(
                    "%(path)s: indicator %(id)s: unknown source %(source)r (expected one of "
                    "%(value)s)"
                ),
                values={
                    "path": path,
                    "id": ind.id,
                    "source": ind.source,
                    "value": ", ".join(SOURCES),
                },
            )
        if ind.group not in definitions.groups:
            raise UserError(
                N_("%(path)s: indicator %(id)s: unknown group %(group)r"),
                values={"path": path, "id": ind.id, "group": ind.group},
            )
    return definitions


def _matches(row: Row, where: dict[str, Any]) -> bool:
    for field, wanted in where.items():
        value = row.get(field)
        if isinstance(wanted, dict):
            if not _compare(value, wanted):
                return False
        elif isinstance(wanted, list):
            if _code(value) not in {str(w) for w in wanted}:
                return False
        elif _code(value) != str(wanted):
            return False
    return True


def _compare(value: Any, ops: dict[str, Any]) -> bool:
    for op, bound in ops.items():
        if op == "not":
            excluded = bound if isinstance(bound, list) else [bound]
            if _code(value) in {str(b) for b in excluded}:
                return False
            continue
        if value is None:
            return False
        if op == "lt" and not value < bound:
            return False
        if op == "lte" and not value <= bound:
            return False
        if op == "gt" and not value > bound:
            return False
        if op == "gte" and not value >= bound:
            return False
    return True


def _code(value: Any) -> str:
    if value is None or value == "":
        return UNKNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def in_period(row: Row, date_from: date | None, date_to: date | None) -> bool:
    """True when the row's dates overlap [date_from, date_to] (undated rows count everywhere)."""
    start, end = row.get("_from"), row.get("_to")
    if date_to is not None and start is not None and start > date_to:
        return False
    last = end or start
    return not (date_from is not None and last is not None and last < date_from)


def measure(indicator: IndicatorDef, rows: list[Row]) -> int | float | None:
    """Return the count, distinct count, sum or mean the indicator's `count` asks for."""
    how = indicator.count
    if how == "rows":
        return len(rows)
    assert isinstance(how, dict)
    ((op, field),) = how.items()
    if op == "distinct":
        return len({row.get(field) for row in rows if row.get(field) is not None})
    values = [row[field] for row in rows if row.get(field) is not None]
    if op == "sum":
        return sum(values)
    return round(sum(values) / len(values), 2) if values else None


def _value(indicator: IndicatorDef, rows: list[Row]) -> dict[str, Any]:
    if not indicator.is_ratio:
        value = measure(indicator, rows)
        return {"value": value, "numerator": value, "denominator": None}
    den_rows = _denominator_rows(indicator, rows)
    num_rows = _numerator_rows(indicator, den_rows)
    num, den = measure(indicator, num_rows), measure(indicator, den_rows)
    return {"value": ratio(num, den), "numerator": num, "denominator": den}


def _denominator_rows(indicator: IndicatorDef, rows: list[Row]) -> list[Row]:
    if indicator.denominator is None:
        return rows
    return [r for r in rows if _matches(r, indicator.denominator.where)]


def _numerator_rows(indicator: IndicatorDef, den_rows: list[Row]) -> list[Row]:
    assert indicator.numerator is not None
    return [r for r in den_rows if _matches(r, indicator.numerator.where)]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """Return numerator / denominator rounded to 4 places, None when the denominator is 0."""
    if not denominator or numerator is None:
        return None
    return round(numerator / denominator, 4)


def regional_ratio(parts: Iterable[tuple[float, float]]) -> dict[str, float | None]:
    """Combine (numerator, denominator) pairs of several jurisdictions: sum both, then divide."""
    pairs = list(parts)
    num = sum(p[0] for p in pairs)
    den = sum(p[1] for p in pairs)
    return {"numerator": num, "denominator": den, "value": ratio(num, den)}


def breakdown(indicator: IndicatorDef, rows: list[Row], dimension: str) -> dict[str, Any]:
    """Return the measure of `rows` grouped by `dimension` (nested for `a/b`), sorted by code."""
    head, _, rest = dimension.partition("/")
    groups: dict[str, list[Row]] = {}
    for row in rows:
        value = row.get(head)
        code = value if value.__class__ is str and value else _code(value)
        groups.setdefault(code, []).append(row)
    out: dict[str, Any] = {}
    for code in sorted(groups):
        part = groups[code]
        out[code] = breakdown(indicator, part, rest) if rest else measure(indicator, part)
    return out


def source_rows(
    session: Session,
    source: str,
    *,
    date_from: date | None,
    date_to: date | None,
    jurisdiction: str | None,
    cache: dict[str, list[Row]] | None = None,
) -> list[Row]:
    """Return the rows of `source` that fall in the period (and jurisdiction)."""
    if cache is not None and source in cache:
        return cache[source]
    rows = [r for r in SOURCES[source](session, jurisdiction) if in_period(r, date_from, date_to)]
    if cache is not None:
        cache[source] = rows
    return rows


def indicator_rows(indicator: IndicatorDef, rows: list[Row]) -> list[Row]:
    """Return the rows the indicator counts over (its `where` applied)."""
    return [r for r in rows if _matches(r, indicator.where)]


def compute_indicator(indicator: IndicatorDef, rows: list[Row]) -> dict[str, Any]:
    """Compute one indicator over the period's rows of its source."""
    mine = indicator_rows(indicator, rows)
    result: dict[str, Any] = {
        "id": indicator.id,
        "group": indicator.group,
        "title": indicator.title,
        "description": indicator.description,
        "unit": indicator.unit,
        "source": indicator.source,
        **_value(indicator, mine),
    }
    base = _denominator_rows(indicator, mine) if indicator.is_ratio else mine
    result["breakdown"] = {d: breakdown(indicator, base, d) for d in indicator.disaggregations}
    if indicator.is_ratio:
        num_rows = _numerator_rows(indicator, base)
        result["numerator_breakdown"] = {
            d: breakdown(indicator, num_rows, d) for d in indicator.disaggregations
        }
    result.update(
        baseline=indicator.baseline,
        target=indicator.target,
        reports_to=indicator.reports_to.model_dump(),
    )
    return result


def compute_report(
    session: Session,
    *,
    date_from: date | None,
    date_to: date | None,
    jurisdiction: str | None = None,
    definitions: Definitions | None = None,
    only: list[str] | None = None,
) -> dict[str, Any]:
    """Compute every indicator (or those in `only`) for the period and jurisdiction."""
    defs = definitions or load_definitions()
    cache: dict[str, list[Row]] = {}
    indicators = []
    for ind in defs.indicators:
        if only and ind.id not in only:
            continue
        rows = source_rows(
            session,
            ind.source,
            date_from=date_from,
            date_to=date_to,
            jurisdiction=jurisdiction,
            cache=cache,
        )
        indicators.append(compute_indicator(ind, rows))
    return {
        "period": {
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
            "jurisdiction": jurisdiction,
        },
        "definitions_version": defs.version,
        "groups": defs.groups,
        "dimensions": defs.dimensions,
        "roadmap": defs.roadmap,
        "indicators": indicators,
    }
