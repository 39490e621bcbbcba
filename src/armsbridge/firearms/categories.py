"""Legal categorisation engine: evaluates the Annex I rules kept in data/categories.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from armsbridge.firearms.schemas import CategoryResult, FirearmFacts
from armsbridge.firearms.wording import Msg, fact_name, fact_phrase, fact_value, seq
from armsbridge.i18n_marker import N_

RULES_FILE = Path(__file__).parent / "data" / "categories.yaml"
IMPLIED_FILE = Path(__file__).parent / "data" / "implied.yaml"
ASSUMED = Msg("assumed absent (not stated)", N_("assumed absent (not stated)"))

# A point of Annex I and what it means ("B5: semi-automatic short firearm not in A7(a)").
POINT_TEXT = N_("%(point)s: %(text)s")
# How each comparison is said when it holds, and when it does not.
_SAID: dict[str, tuple[str, str]] = {
    "eq": (N_("%(fact)s: %(value)s"), N_("%(fact)s: %(value)s (not %(limit)s)")),
    "ne": (N_("%(fact)s: %(value)s (not %(limit)s)"), N_("%(fact)s: %(value)s")),
    "in": (N_("%(fact)s: %(value)s"), N_("%(fact)s: %(value)s (not %(limit)s)")),
    "gt": (
        N_("%(fact)s: %(value)s (more than %(limit)s)"),
        N_("%(fact)s: %(value)s (not more than %(limit)s)"),
    ),
    "ge": (
        N_("%(fact)s: %(value)s (at least %(limit)s)"),
        N_("%(fact)s: %(value)s (less than %(limit)s)"),
    ),
    "lt": (
        N_("%(fact)s: %(value)s (less than %(limit)s)"),
        N_("%(fact)s: %(value)s (at least %(limit)s)"),
    ),
    "le": (
        N_("%(fact)s: %(value)s (at most %(limit)s)"),
        N_("%(fact)s: %(value)s (more than %(limit)s)"),
    ),
    "before": (
        N_("%(fact)s: %(value)s (before %(limit)s)"),
        N_("%(fact)s: %(value)s (not before %(limit)s)"),
    ),
    "on_or_after": (
        N_("%(fact)s: %(value)s (on or after %(limit)s)"),
        N_("%(fact)s: %(value)s (before %(limit)s)"),
    ),
}

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
    assumed_absent: dict[str, str]
    implied: dict[str, list[dict[str, Any]]]
    definitions: dict[str, Any]
    conversion: dict[str, Any]
    rules: list[dict[str, Any]]
    provisional: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE, implied_path: Path = IMPLIED_FILE) -> RuleSet:
    """Load and check the rules file and the facts implied by kind (cached)."""
    raw = yaml.safe_load(path.read_text("utf-8"))
    implied = yaml.safe_load(implied_path.read_text("utf-8"))
    return RuleSet(
        # Results depend on both files: a change to either recomputes stored categories.
        version=f"{raw['version']}+{implied['version']}",
        assumed_absent=dict(raw.get("assumed_absent") or {}),
        implied={str(k): list(v) for k, v in (implied.get("implied") or {}).items()},
        definitions=dict(raw.get("definitions") or {}),
        conversion=dict(raw.get("conversion") or {}),
        rules=list(raw["rules"]),
        provisional=dict(raw.get("provisional") or {}),
    )


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "/".join(_fmt(v) for v in value)
    return str(value)


@dataclass
class Known:
    """The facts a categorisation works from, and where each one that was not stated came from."""

    facts: dict[str, Any]
    origins: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, tuple[bool, str]] = field(default_factory=dict)

    def with_fact(self, name: str, value: Any) -> Known:
        """Return a copy in which one more fact is stated."""
        origins = {k: v for k, v in self.origins.items() if k != name}
        return Known({**self.facts, name: value}, origins, dict(self.definitions))


def complete(
    rules: RuleSet, stated: dict[str, Any], known: dict[str, tuple[Any, str]] | None = None
) -> Known:
    """Complete stated facts: reference facts, then facts implied by kind, then assumed absences."""
    facts = {k: v for k, v in stated.items() if v is not None}
    origins: dict[str, str] = {}
    for name, (value, origin) in (known or {}).items():
        if facts.get(name) is None and value is not None:
            facts[name], origins[name] = value, origin
    definitions: dict[str, tuple[bool, str]] = {}
    kind = facts.get("kind")
    for entry in rules.implied.get(str(kind), []) if kind else []:
        origin = Msg(
            f"implied by kind: {kind}",
            N_("implied by the kind of weapon (%(kind)s)"),
            kind=fact_value("kind", kind),
        )
        if "definition" in entry:
            definitions[entry["definition"]] = (bool(entry["value"]), origin)
        elif facts.get(entry["fact"]) is None:
            facts[entry["fact"]], origins[entry["fact"]] = entry["value"], origin
    for name in rules.assumed_absent:
        if facts.get(name) is None:
            facts[name], origins[name] = False, ASSUMED
    return Known(facts, origins, definitions)


class _Evaluator:
    def __init__(self, rules: RuleSet, known: Known) -> None:
        self.rules = rules
        self.known = known

    def fact(self, name: str) -> Any:
        return self.known.facts.get(name)

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
            implied = self.known.definitions.get(cond["is"])
            if inner.value is None and implied is not None:
                # Measurements, when stated, decide; the kind settles it only without them.
                inner = Truth(implied[0], [implied[1]], set(), inner.used)
            if inner.value is None:
                return Truth(None, [], inner.missing, inner.used)
            said = Msg(definition["text"])
            text = said if inner.value else Msg(f"not a {said}", N_("not a %(what)s"), what=said)
            if inner.reasons:
                detail = seq(inner.reasons)
                text = Msg(f"{text}: {detail}", N_("%(what)s: %(why)s"), what=text, why=detail)
            return Truth(inner.value, [text], set(), inner.used)
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
        text = f"{name} = {_fmt(value)}"
        if op not in ("eq", "in") or not ok:
            text += f" ({'' if ok else 'not '}{symbol} {_fmt(expected)})"
        said = _SAID[op][0 if ok else 1]
        shown = Msg(
            text,
            said,
            fact=fact_name(name),
            value=fact_value(name, value),
            limit=fact_value(name, expected),
        )
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


def _assumptions(known: Known, used: set[str]) -> list[str]:
    """One line per origin (implied, reference, assumed) naming the facts it gave that were used."""
    by_origin: dict[str, list[Msg]] = {}
    for name in sorted(used):
        if name in known.origins:
            by_origin.setdefault(known.origins[name], []).append(
                fact_name(name)
                if known.origins[name] == ASSUMED
                else fact_phrase(name, known.facts[name])
            )
    out: list[str] = []
    for origin, names in by_origin.items():
        suffix = " = no" if origin == ASSUMED else ""
        text = ", ".join(f"{n}{suffix}" for n in names)
        facts = seq(names, "; ")
        out.append(
            Msg(f"{origin}: {text}", N_("%(origin)s: %(facts)s"), origin=origin, facts=facts)
        )
    return out


def _point_text(point: str | None, text: str) -> Msg:
    """A rule's point and its wording ("B5: semi-automatic short firearm not in A7(a)")."""
    said = Msg(text)
    if not point:
        return said
    return Msg(f"{point}: {text}", POINT_TEXT, point=point, text=said)


def _unverified(source: str) -> Msg:
    """The note that a rule's wording is not verified, with where it comes from."""
    return Msg(
        f"rule wording unverified ({source})",
        N_("rule wording unverified (%(source)s)"),
        source=Msg(source),
    )


def _categorize_plain(known: Known, rules: RuleSet) -> CategoryResult:
    facts = known.facts
    ev = _Evaluator(rules, known)
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
        reasons = [_point_text(rule.get("point"), rule["text"]), *truth.reasons]
        # The near miss the point is defined against, and the fact that ruled it out.
        for point in rule.get("excludes", []):
            if point in ruled_out and ruled_out[point].reasons:
                why = seq(ruled_out[point].reasons, "; ")
                reasons.append(
                    Msg(f"not {point}: {why}", N_("not %(point)s: %(why)s"), point=point, why=why)
                )
        if not rule.get("verified", True):
            reasons.append(_unverified(rule["source"]))
        others = [r for r, _ in undecided if r["category"] != rule["category"]]
        if others:
            missing = set().union(*(t.missing for r, t in undecided if r in others))
            alternatives = ", ".join(sorted({str(r["point"] or r["category"]) for r in others}))
            would = rule["point"] or rule["category"]
            reasons = [
                Msg(
                    f"would be {would}, unless {alternatives} applies",
                    N_("would be %(point)s, unless %(others)s applies"),
                    point=fact_value("", would),
                    others=seq(
                        fact_value("", p)
                        for p in sorted({str(r["point"] or r["category"]) for r in others})
                    ),
                ),
                *reasons,
                *_assumptions(known, used),
            ]
            return _result("undetermined", None, reasons, sorted(missing), rules.version)
        for r, t in undecided:
            names = sorted(t.missing)
            reasons.append(
                Msg(
                    f"may also be {r['point']} ({', '.join(names)} not known)",
                    N_("may also be %(point)s (%(facts)s not known)"),
                    point=r["point"],
                    facts=seq([fact_name(n) for n in names]),
                )
            )
        reasons += _assumptions(known, used)
        return _result(rule["category"], rule.get("point"), reasons, [], rules.version)
    if undecided:
        missing = set().union(*(t.missing for _, t in undecided))
        return _result(
            "undetermined",
            None,
            [Msg(N_("the facts given do not decide the category")), *_assumptions(known, used)],
            sorted(missing),
            rules.version,
        )
    return _result(
        "undetermined",
        None,
        [Msg(N_("no point of Annex I fits these facts; check them")), *_assumptions(known, used)],
        [],
        rules.version,
    )


def categorize(
    facts: FirearmFacts | dict[str, Any],
    rules: RuleSet | None = None,
    *,
    known: dict[str, tuple[Any, str]] | None = None,
) -> CategoryResult:
    """Return the legal category of a firearm, component or ammunition from its facts.

    `known` gives facts from elsewhere (the reference table) as {name: (value, origin)}: they
    fill only what `facts` does not state, and each is named with its origin in the reasons.
    """
    rules = rules or load_rules()
    data = facts.known() if isinstance(facts, FirearmFacts) else dict(facts)
    return categorize_known(complete(rules, data, known), rules)


def categorize_known(known: Known, rules: RuleSet) -> CategoryResult:
    """Categorise completed facts (see `complete`)."""
    data = dict(known.facts)
    component = data.pop("component", None)
    converted_to = data.pop("converted_to", None)
    plain = Known(data, known.origins, known.definitions)
    if converted_to:
        base = _categorize_plain(plain, rules)
        result = _converted(base, converted_to, rules)
    else:
        result = _categorize_plain(plain, rules)
    if component:
        prefix = Msg(
            f"essential component ({component}): takes the category of the firearm it fits",
            N_("essential component (%(component)s): takes the category of the firearm it fits"),
            component=fact_value("component", component),
        )
        result.reasons = [prefix, *result.reasons]
    return result


def _converted(base: CategoryResult, converted_to: str, rules: RuleSet) -> CategoryResult:
    blanks = converted_to == "blank_firing"
    what = "blanks, irritants or pyrotechnic rounds" if blanks else "a salute or acoustic weapon"
    said = fact_value("converted_to", converted_to)
    if base.category not in rules.conversion:
        first = Msg(
            f"converted to {what}; the original firearm is not categorised",
            N_("converted to %(what)s; the original firearm is not categorised"),
            what=said,
        )
        base.reasons = [first, *base.reasons]
        return base
    target = rules.conversion[base.category]
    original = base.point or base.category
    reasons = [
        Msg(
            f"{target['point']}: firearm of category {base.category} converted to fire {what}"
            if blanks
            else f"{target['point']}: firearm of category {base.category} converted into {what}",
            POINT_TEXT,
            point=target["point"],
            text=Msg(
                "",
                N_("firearm of category %(category)s converted to %(what)s"),
                category=base.category,
                what=said,
            ),
        ),
        Msg(
            f"original firearm: {original}",
            N_("original firearm: %(point)s"),
            point=fact_value("", original),
        ),
        *base.reasons,
    ]
    if not target.get("verified", True):
        reasons.append(_unverified(target["source"]))
    category = "C" if base.category == "D" else base.category
    return _result(category, target["point"], reasons, base.missing, rules.version)
