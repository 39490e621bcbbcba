"""Legal categorisation engine: evaluates the Annex I rules kept in data/categories.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from armsbridge.firearms.schemas import CategoryResult, FirearmFacts

RULES_FILE = Path(__file__).parent / "data" / "categories.yaml"

_OPS = {
    "eq": ("=", lambda a, b: a == b),
    "ne": ("≠", lambda a, b: a != b),
    "in": ("in", lambda a, b: a in b),
    "gt": (">", lambda a, b: a > b),
    "ge": ("≥", lambda a, b: a >= b),
    "lt": ("<", lambda a, b: a < b),
    "le": ("≤", lambda a, b: a <= b),
    "before": ("before", lambda a, b: a < b),
    "on_or_after": ("on or after", lambda a, b: a >= b),
}


@dataclass
class Truth:
    """Three-valued outcome of a condition: value None means the facts do not decide it."""

    value: bool | None
    reasons: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class RuleSet:
    """The parsed rules file."""

    version: str
    defaults: dict[str, Any]
    definitions: dict[str, Any]
    conversion: dict[str, Any]
    rules: list[dict[str, Any]]


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> RuleSet:
    """Load and check the rules file (cached)."""
    raw = yaml.safe_load(path.read_text("utf-8"))
    return RuleSet(
        version=str(raw["version"]),
        defaults=dict(raw.get("defaults") or {}),
        definitions=dict(raw.get("definitions") or {}),
        conversion=dict(raw.get("conversion") or {}),
        rules=list(raw["rules"]),
    )


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "/".join(_fmt(v) for v in value)
    return str(value)


class _Evaluator:
    def __init__(self, rules: RuleSet, facts: dict[str, Any]) -> None:
        self.rules = rules
        self.facts = facts

    def fact(self, name: str) -> Any:
        value = self.facts.get(name)
        if value is None and name in self.rules.defaults:
            return self.rules.defaults[name]
        return value

    def eval(self, cond: dict[str, Any]) -> Truth:
        if "all" in cond:
            parts = [self.eval(c) for c in cond["all"]]
            return self._combine(parts, conj=True)
        if "any" in cond:
            parts = [self.eval(c) for c in cond["any"]]
            return self._combine(parts, conj=False)
        if "not" in cond:
            inner = self.eval(cond["not"])
            value = None if inner.value is None else not inner.value
            return Truth(value, inner.reasons, inner.missing, inner.used)
        if "is" in cond:
            definition = self.rules.definitions[cond["is"]]
            inner = self.eval(definition["when"])
            if inner.value is None:
                return Truth(None, [], inner.missing, inner.used)
            text = definition["text"] if inner.value else f"not a {definition['text']}"
            detail = ", ".join(inner.reasons)
            return Truth(inner.value, [f"{text}: {detail}" if detail else text], set(), inner.used)
        return self._leaf(cond)

    def _leaf(self, cond: dict[str, Any]) -> Truth:
        name = cond["fact"]
        ops = [k for k in cond if k in _OPS]
        if len(ops) != 1:
            raise ValueError(f"rule condition needs exactly one operator: {cond}")
        op = ops[0]
        value = self.fact(name)
        if value is None:
            return Truth(None, missing={name})
        expected = cond[op]
        if isinstance(value, date):
            expected = date.fromisoformat(str(expected))
        symbol, test = _OPS[op]
        ok = bool(test(value, expected))
        shown = f"{name} = {_fmt(value)}"
        if op not in ("eq", "in") or not ok:
            shown += f" ({'' if ok else 'not '}{symbol} {_fmt(expected)})"
        return Truth(ok, [shown], used={name})

    @staticmethod
    def _combine(parts: list[Truth], *, conj: bool) -> Truth:
        decisive = [p for p in parts if p.value is (not conj)]
        used = set().union(*(p.used for p in parts)) if parts else set()
        if decisive:
            # all(): one false part decides; any(): one true part decides.
            return Truth(not conj, decisive[0].reasons, set(), used)
        unknown = [p for p in parts if p.value is None]
        if unknown:
            return Truth(None, [], set().union(*(p.missing for p in unknown)), used)
        reasons = [r for p in parts for r in p.reasons]
        return Truth(conj, reasons, set(), used)


def _result(
    category: str, point: str | None, reasons: list[str], missing: list[str], version: str
) -> CategoryResult:
    return CategoryResult(
        category=category,  # type: ignore[arg-type]
        point=point,
        reasons=reasons,
        missing=sorted(set(missing)),
        rules_version=version,
    )


def _assumptions(rules: RuleSet, facts: dict[str, Any], used: set[str]) -> list[str]:
    assumed = [
        f"{name} = {_fmt(rules.defaults[name])}"
        for name in rules.defaults
        if name in used and facts.get(name) is None
    ]
    return [f"assumed, not stated: {', '.join(assumed)}"] if assumed else []


def _categorize_plain(facts: dict[str, Any], rules: RuleSet) -> CategoryResult:
    ev = _Evaluator(rules, facts)
    undecided: list[tuple[dict[str, Any], Truth]] = []
    used: set[str] = set()
    scope = "ammunition" if facts.get("ammunition") else "firearm"
    ruled_out: dict[str, Truth] = {}
    for rule in rules.rules:
        if rule.get("scope", "firearm") != scope:
            continue
        truth = ev.eval(rule["when"])
        used |= truth.used
        if truth.value is False and rule.get("point"):
            ruled_out[str(rule["point"])] = truth
        if truth.value is None:
            undecided.append((rule, truth))
            continue
        if not truth.value:
            continue
        label = f"{rule['point']}: " if rule.get("point") else ""
        reasons = [f"{label}{rule['text']}", *truth.reasons]
        # The near miss the point is defined against, and the fact that ruled it out.
        for point in rule.get("excludes", []):
            if point in ruled_out and ruled_out[point].reasons:
                reasons.append(f"not {point}: {'; '.join(ruled_out[point].reasons)}")
        if not rule.get("verified", True):
            reasons.append(f"rule wording unverified ({rule['source']})")
        others = [r for r, _ in undecided if r["category"] != rule["category"]]
        if others:
            missing = set().union(*(t.missing for r, t in undecided if r in others))
            alternatives = ", ".join(sorted({str(r["point"] or r["category"]) for r in others}))
            reasons = [
                f"would be {rule['point'] or rule['category']}, unless {alternatives} applies",
                *reasons,
            ]
            return _result("undetermined", None, reasons, sorted(missing), rules.version)
        for r, t in undecided:
            reasons.append(f"may also be {r['point']} ({', '.join(sorted(t.missing))} not known)")
        reasons += _assumptions(rules, facts, used)
        return _result(rule["category"], rule.get("point"), reasons, [], rules.version)
    if undecided:
        missing = set().union(*(t.missing for _, t in undecided))
        return _result(
            "undetermined",
            None,
            ["the facts given do not decide the category", *_assumptions(rules, facts, used)],
            sorted(missing),
            rules.version,
        )
    return _result(
        "undetermined",
        None,
        ["no point of Annex I fits these facts; check them", *_assumptions(rules, facts, used)],
        [],
        rules.version,
    )


def categorize(
    facts: FirearmFacts | dict[str, Any], rules: RuleSet | None = None
) -> CategoryResult:
    """Return the legal category of a firearm, component or ammunition from its facts."""
    rules = rules or load_rules()
    data = facts.known() if isinstance(facts, FirearmFacts) else dict(facts)
    data = {k: v for k, v in data.items() if v is not None}
    component = data.pop("component", None)
    converted_to = data.pop("converted_to", None)
    if converted_to:
        base = _categorize_plain(data, rules)
        result = _converted(base, converted_to, rules)
    else:
        result = _categorize_plain(data, rules)
    if component:
        prefix = f"essential component ({component}): takes the category of the firearm it fits"
        result.reasons = [prefix, *result.reasons]
    return result


def _converted(base: CategoryResult, converted_to: str, rules: RuleSet) -> CategoryResult:
    what = (
        "blanks, irritants or pyrotechnic rounds"
        if converted_to == "blank_firing"
        else ("a salute or acoustic weapon")
    )
    if base.category not in rules.conversion:
        base.reasons = [f"converted to {what}; the original firearm is not categorised"] + (
            base.reasons
        )
        return base
    target = rules.conversion[base.category]
    reasons = [
        f"{target['point']}: firearm of category {base.category} converted to fire {what}"
        if converted_to == "blank_firing"
        else f"{target['point']}: firearm of category {base.category} converted into {what}",
        f"original firearm: {base.point or base.category}",
        *base.reasons,
    ]
    if not target.get("verified", True):
        reasons.append(f"rule wording unverified ({target['source']})")
    category = "C" if base.category == "D" else base.category
    return _result(category, target["point"], reasons, base.missing, rules.version)
