"""Claims check: figures typed into a narrative report, compared with what the records show.

A claims file has the columns `indicator, breakdown, value, note`. `indicator` is an indicator id,
or a training code (standing for the distinct persons who attended that training). `breakdown`
is empty (the total) or conditions such as `sex=M` or `topic=converted_firearms;sex=F`. `value` is
a number, optionally prefixed by `>`, `>=`, `<`, `<=` for "more than" claims; a proportion may be
written as a percentage (`25%`). Two kinds of finding: a claim the records contradict, and a set
of claims whose parts (two or more values of one additive breakdown) do not sum to the claimed
total.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.indicators.schemas import Definitions, IndicatorDef
from armsbridge.indicators.service import (
    _denominator_rows,
    _matches,
    _numerator_rows,
    indicator_rows,
    load_definitions,
    measure,
    ratio,
    source_rows,
)

COLUMNS = ("indicator", "breakdown", "value", "note")
_VALUE = re.compile(r"^(>=|<=|>|<)?\s*([0-9][0-9 ,.']*)\s*(%)?$")


@dataclass
class Claim:
    """One claimed figure: the row it came from and what it says."""

    row: int
    indicator: str
    conditions: dict[str, str]
    op: str
    value: float
    decimals: int
    note: str
    text: str
    computed: float | int | None = None


@dataclass
class Finding:
    """A claim (or a set of claims) the records or its own parts contradict."""

    kind: str  # "contradicted" or "parts_do_not_sum"
    rows: list[int]
    indicator: str
    breakdown: str
    claimed: str
    computed: str
    message: str
    notes: list[str] = field(default_factory=list)


def read_claims(path: Path) -> list[Claim]:
    """Read a claims file (CSV or XLSX); raise ValidationFailed naming the row and column."""
    records = _read_table(path)
    claims: list[Claim] = []
    problems = []
    for number, rec in records:
        try:
            claims.append(_parse_claim(number, rec))
        except ValueError as exc:
            problems.append({"field": f"row {number}", "value": str(rec), "expected": str(exc)})
    if problems:
        first = problems[0]
        raise ValidationFailed(
            N_("%(path)s: %(field)s: %(expected)s"),
            problems,
            values={"path": path, "field": first["field"], "expected": first["expected"]},
        )
    return claims


def _read_table(path: Path) -> list[tuple[int, dict[str, str]]]:
    if not Path(path).exists():
        raise ValidationFailed(N_("claims file not found: %(path)s"), values={"path": path})
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        sheet = load_workbook(path, read_only=True, data_only=True).active
        table = [
            ["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)
        ]
    else:
        text = Path(path).read_text(encoding="utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
    if not table:
        raise ValidationFailed(N_("%(path)s: the file is empty"), values={"path": path})
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in COLUMNS[:3] if c not in header]
    if missing:
        raise ValidationFailed(
            N_("%(path)s: missing column(s) %(value)s; expected %(value2)s"),
            values={"path": path, "value": ", ".join(missing), "value2": ", ".join(COLUMNS)},
        )
    out = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        out.append(
            (
                number,
                {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)},
            )
        )
    return out


def _parse_claim(number: int, rec: dict[str, str]) -> Claim:
    indicator = rec.get("indicator", "")
    if not indicator:
        raise ValueError("column indicator: an indicator id or a training code")
    conditions: dict[str, str] = {}
    for part in re.split(r"[;&]", rec.get("breakdown", "")):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"column breakdown: {part!r} is not dimension=value (e.g. sex=M)")
        key, _, val = part.partition("=")
        conditions[key.strip()] = val.strip()
    raw = rec.get("value", "")
    match = _VALUE.match(raw.strip())
    if not match:
        raise ValueError(f"column value: {raw!r} is not a number (e.g. 119, >1300000, 25%)")
    op, digits, percent = match.groups()
    value, decimals = _number(digits)
    return Claim(
        row=number,
        indicator=indicator,
        conditions=conditions,
        op=op or "=",
        value=value / 100 if percent else value,
        decimals=decimals + (2 if percent else 0),
        note=rec.get("note", ""),
        text=raw.strip(),
    )


def _number(digits: str) -> tuple[float, int]:
    """Read 1300000, 1 300 000, 1,300,000 or 0,25 (decimal comma); return value and decimals."""
    text = digits.replace(" ", "").replace("'", "")
    if "," in text:
        groups = text.split(",")[1:]
        thousands = "." in text or all(len(g.split(".")[0]) == 3 for g in groups)
        text = text.replace(",", "") if thousands else text.replace(",", ".")
    return float(text), len(text.partition(".")[2])


def _resolve(claim: Claim, defs: dict[str, IndicatorDef]) -> tuple[IndicatorDef, dict[str, str]]:
    if claim.indicator in defs:
        return defs[claim.indicator], dict(claim.conditions)
    persons = defs.get("trained_persons")
    if persons is None:
        raise ValidationFailed(
            N_("row %(row)s: unknown indicator %(indicator)r"),
            values={"row": claim.row, "indicator": claim.indicator},
        )
    return persons, {"training": claim.indicator, **claim.conditions}


def _compute(ind: IndicatorDef, rows: list[dict[str, Any]], conditions: dict[str, str]) -> Any:
    mine = [r for r in indicator_rows(ind, rows) if _matches(r, conditions)]
    if not ind.is_ratio:
        return measure(ind, mine)
    den = _denominator_rows(ind, mine)
    return ratio(measure(ind, _numerator_rows(ind, den)), measure(ind, den))


def _holds(claim: Claim, computed: Any) -> bool:
    if computed is None:
        return False
    if claim.op == ">":
        return computed > claim.value
    if claim.op == ">=":
        return computed >= claim.value
    if claim.op == "<":
        return computed < claim.value
    if claim.op == "<=":
        return computed <= claim.value
    return round(float(computed), claim.decimals) == round(claim.value, claim.decimals)


def _fmt(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _breakdown_text(conditions: dict[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in conditions.items())


def check_claims(
    session: Session,
    *,
    claims: list[Claim],
    date_from: date | None = None,
    date_to: date | None = None,
    jurisdiction: str | None = None,
    definitions: Definitions | None = None,
) -> list[Finding]:
    """Compare each claim with the records and each claim set with its own total."""
    defs = (definitions or load_definitions()).by_id()
    cache: dict[str, list[dict[str, Any]]] = {}
    findings: list[Finding] = []
    resolved: dict[int, tuple[IndicatorDef, dict[str, str]]] = {}
    for claim in claims:
        ind, conditions = _resolve(claim, defs)
        resolved[claim.row] = (ind, conditions)
        rows = source_rows(
            session,
            ind.source,
            date_from=date_from,
            date_to=date_to,
            jurisdiction=jurisdiction,
            cache=cache,
        )
        claim.computed = _compute(ind, rows, conditions)
        if not _holds(claim, claim.computed):
            findings.append(
                Finding(
                    kind="contradicted",
                    rows=[claim.row],
                    indicator=claim.indicator,
                    breakdown=_breakdown_text(claim.conditions),
                    claimed=claim.text,
                    computed=_fmt(claim.computed),
                    message=f"the records show {_fmt(claim.computed)}, the claim says {claim.text}",
                    notes=[claim.note] if claim.note else [],
                )
            )
    findings.extend(_sum_findings(claims, resolved))
    return findings


def _sum_findings(
    claims: list[Claim], resolved: dict[int, tuple[IndicatorDef, dict[str, str]]]
) -> list[Finding]:
    exact = [c for c in claims if c.op == "="]
    totals = {(c.indicator, frozenset(c.conditions.items())): c for c in exact}
    sets: dict[tuple[str, frozenset[Any], str], list[Claim]] = {}
    for claim in exact:
        ind, _ = resolved[claim.row]
        for dim in claim.conditions:
            base = frozenset((k, v) for k, v in claim.conditions.items() if k != dim)
            if (claim.indicator, base) in totals and ind.is_additive(dim) and not ind.is_ratio:
                sets.setdefault((claim.indicator, base, dim), []).append(claim)
    findings = []
    for (indicator, base, dim), parts in sets.items():
        if len(parts) < 2:
            continue
        total = totals[(indicator, base)]
        summed = sum(p.value for p in parts)
        if abs(summed - total.value) > 1e-9:
            listed = " + ".join(f"{p.conditions[dim]} {_fmt(p.value)}" for p in parts)
            findings.append(
                Finding(
                    kind="parts_do_not_sum",
                    rows=[total.row] + [p.row for p in parts],
                    indicator=indicator,
                    breakdown=_breakdown_text({**total.conditions, dim: "*"}),
                    claimed=f"{listed} = {_fmt(summed)}",
                    computed=f"total claimed {total.text}",
                    message=f"the parts by {dim} sum to {_fmt(summed)}, "
                    f"the claimed total is {total.text}",
                    notes=[c.note for c in [total, *parts] if c.note],
                )
            )
    return findings
