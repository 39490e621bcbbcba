"""Provisional answers: when the facts still missing can lead to only a few points, the most
likely one, the alternatives and what decides each ("B5; A7(a) if magazine_capacity > 20")."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, get_args

from armsbridge.firearms.categories import Known, RuleSet, categorize_known, load_rules
from armsbridge.firearms.schemas import FACT_NAMES, Alternative, CategoryResult, FirearmFacts
from armsbridge.firearms.wording import Msg, all_of, fact_name, fact_phrase, fact_value, seq
from armsbridge.i18n_marker import N_

_NUMERIC = ("gt", "ge", "lt", "le", "before", "on_or_after")
# ops whose threshold belongs to the lower side ("x ≤ t | x > t") and to the upper side.
_UPPER_CLOSED = ("gt", "le")
_LOWER_CLOSED = ("lt", "ge", "before", "on_or_after")

Leaf = tuple[dict[str, Any], CategoryResult]


def _leaves(cond: Any) -> list[dict[str, Any]]:
    if isinstance(cond, dict):
        if "fact" in cond:
            return [cond]
        return [leaf for value in cond.values() for leaf in _leaves(value)]
    if isinstance(cond, list):
        return [leaf for c in cond for leaf in _leaves(c)]
    return []


@lru_cache(maxsize=64)
def _thresholds(version: str, name: str) -> tuple[tuple[str, Any], ...]:
    rules = load_rules()
    conds = [r["when"] for r in rules.rules] + [d["when"] for d in rules.definitions.values()]
    found = set()
    for leaf in _leaves(conds):
        if leaf["fact"] != name:
            continue
        for op in _NUMERIC:
            if op in leaf:
                value = leaf[op]
                found.add(
                    (op, date.fromisoformat(str(value)) if op in _LOWER_CLOSED[2:] else value)
                )
    return tuple(sorted(found, key=lambda x: (x[1], x[0])))


def _step(name: str, value: Any) -> Any:
    annotation = str(FirearmFacts.model_fields[name].annotation)
    if isinstance(value, date):
        return timedelta(days=1)
    return 1 if "int" in annotation else 0.5


def candidates(rules: RuleSet, name: str) -> list[Any]:
    """Return one value of a fact for each outcome the rules can tell apart."""
    annotation = FirearmFacts.model_fields[name].annotation
    text = str(annotation)
    if "Literal" in text:
        return [v for arg in get_args(annotation) for v in get_args(arg) if isinstance(v, str)]
    if "bool" in text:
        return [True, False]
    values: set[Any] = set()
    for op, t in _thresholds(rules.version, name):
        step = _step(name, t)
        values |= {t, t + step} if op in _UPPER_CLOSED else {t - step, t}
    return sorted(values)


# Each bound as the technical text writes it and as a page says it.
_BOUND = {
    ">": N_("more than %(limit)s"),
    "≥": N_("at least %(limit)s"),
    "≤": N_("at most %(limit)s"),
    "<": N_("less than %(limit)s"),
    "on or after": N_("on or after %(limit)s"),
    "before": N_("before %(limit)s"),
}


def _bound(name: str, symbol: str, limit: Any) -> Msg:
    shown = f"{symbol} {limit}" if isinstance(limit, date) else f"{symbol} {_num(limit)}"
    return Msg(shown, _BOUND[symbol], limit=fact_value(name, limit))


def _bounds(rules: RuleSet, name: str, value: Any) -> tuple[Msg | None, Msg | None]:
    """The tightest threshold below and above a value, as text ("> 20", "≤ 60")."""
    lower: tuple[Any, str] | None = None
    upper: tuple[Any, str] | None = None
    for op, t in _thresholds(rules.version, name):
        closed_above = op in _UPPER_CLOSED  # the threshold itself lies on the lower side
        if value > t or (value == t and not closed_above):
            if lower is None or t >= lower[0]:
                lower = (t, ">" if closed_above else "≥")
        elif upper is None or t <= upper[0]:
            upper = (t, "≤" if closed_above else "<")
    if isinstance(value, date):
        return (
            _bound(name, "on or after", lower[0]) if lower else None,
            _bound(name, "before", upper[0]) if upper else None,
        )
    return (
        _bound(name, lower[1], lower[0]) if lower else None,
        _bound(name, upper[1], upper[0]) if upper else None,
    )


def describe(rules: RuleSet, name: str, value: Any, upto: Any = None) -> Msg:
    """Describe a value (or the run of values from `value` to `upto`) of a fact by thresholds."""
    if isinstance(value, bool | str):
        return fact_phrase(name, value)
    lower = _bounds(rules, name, value)[0]
    upper = _bounds(rules, name, value if upto is None else upto)[1]
    parts = [p for p in (lower, upper) if p]
    if not parts:
        return fact_phrase(name, value)
    return Msg(
        f"{name} {' and '.join(parts)}",
        N_("%(fact)s %(bounds)s"),
        fact=fact_name(name),
        bounds=all_of(parts),
    )


def _num(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _explore(
    known: Known, rules: RuleSet, assigned: dict[str, Any], tries: list[int]
) -> list[Leaf] | None:
    result = categorize_known(known, rules)
    if result.category != "undetermined":
        return [(assigned, result)]
    if not result.missing:
        return []  # these values fit no point: not a possible outcome
    if len(assigned) >= int(rules.provisional.get("max_unknowns", 4)):
        return None
    name = min(result.missing, key=FACT_NAMES.index)
    out: list[Leaf] = []
    for value in candidates(rules, name):
        tries[0] -= 1
        if tries[0] < 0:
            return None
        below = _explore(known.with_fact(name, value), rules, {**assigned, name: value}, tries)
        if below is None:
            return None
        out += below
    return out


def _label(result: CategoryResult) -> str:
    return result.point or result.category


def _likely(rules: RuleSet, kind: Any) -> dict[str, dict[str, Any]]:
    table = rules.provisional.get("likely") or {}
    return {**(table.get("*") or {}), **(table.get(str(kind)) or {})}


def add_provisional(
    result: CategoryResult,
    known: Known,
    rules: RuleSet,
    likelier: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Give an undetermined result its provisional answer when only a few points remain.

    `likelier` replaces likely values for this firearm ({name: {value, why}}): a sign of
    conversion makes a failed alarm weapon likelier than a compliant one.
    """
    if result.category != "undetermined" or not result.missing:
        return
    leaves = _explore(known, rules, {}, [int(rules.provisional.get("max_tries", 256))])
    if not leaves:
        return
    outcomes = Counter(_label(r) for _, r in leaves)
    if len(outcomes) > int(rules.provisional.get("max_outcomes", 3)):
        return
    likely = {**_likely(rules, known.facts.get("kind")), **(likelier or {})}

    def score(leaf: Leaf) -> tuple[int, int]:
        hits = sum(
            1
            for name, value in leaf[0].items()
            if name in likely
            and describe(rules, name, value) == describe(rules, name, likely[name]["value"])
        )
        return hits, outcomes[_label(leaf[1])]

    best = max(leaves, key=score)
    used = [n for n in best[0] if n in likely and score(best)[0]]
    alternatives = []
    for label in outcomes:
        if label == _label(best[1]):
            continue
        mine = [leaf for leaf in leaves if _label(leaf[1]) == label]
        closest = min(mine, key=lambda leaf: len(_differences(rules, known, best, leaf)))
        differences = _differences(rules, known, best, closest)
        condition = all_of(differences, " and ".join(differences))
        alternatives.append(Alternative(point=label, if_=condition))
    result.provisional = _label(best[1])
    result.provisional_category = best[1].category
    result.alternatives = alternatives
    whys = [
        Msg(
            f"{shown}: {likely[n]['why']}",
            N_("%(what)s: %(why)s"),
            what=shown,
            why=Msg(likely[n]["why"]),
        )
        for n in used
        if describe(rules, n, best[0][n]) == describe(rules, n, likely[n]["value"])
        and (shown := _run(rules, known, best, n)) is not None
    ]
    point = fact_value("", result.provisional)
    if whys:
        why = seq(whys, "; ")
        head = Msg(
            f"provisional answer: {result.provisional} (most likely, {why})",
            N_("provisional answer: %(point)s (most likely, %(why)s)"),
            point=point,
            why=why,
        )
    else:
        head = Msg(
            f"provisional answer: {result.provisional}",
            N_("provisional answer: %(point)s"),
            point=point,
        )
    text = seq([head, *(if_alternative(a) for a in alternatives)], "; ")
    result.reasons = [text, *result.reasons]


def if_alternative(alternative: Alternative) -> Msg:
    """ "A7(a) if magazine capacity more than 20 rounds" (the point and what leads there)."""
    return Msg(
        f"{alternative.point} if {alternative.if_}",
        N_("%(point)s if %(condition)s"),
        point=fact_value("", alternative.point),
        condition=alternative.if_,
    )


def _run(rules: RuleSet, known: Known, leaf: Leaf, name: str) -> Msg | None:
    """Describe the values of `name` that keep this leaf's point, the rest unchanged.

    None when every value does: the fact does not matter to that point.
    """
    value = leaf[0][name]
    values = candidates(rules, name)
    label = _label(leaf[1])

    def same(other: Any) -> bool:
        facts = {**leaf[0], name: other}
        trial = known
        for key, val in facts.items():
            trial = trial.with_fact(key, val)
        return _label(categorize_known(trial, rules)) == label

    if isinstance(value, bool | str):
        others = [v for v in values if v != value]
        return None if all(same(v) for v in others) else describe(rules, name, value)
    here = values.index(value)
    lo = hi = here
    while lo > 0 and same(values[lo - 1]):
        lo -= 1
    while hi < len(values) - 1 and same(values[hi + 1]):
        hi += 1
    if lo == 0 and hi == len(values) - 1:
        return None
    return describe(rules, name, values[lo], values[hi])


def _label_of(rules: RuleSet, known: Known, assigned: dict[str, Any]) -> str:
    trial = known
    for key, value in assigned.items():
        trial = trial.with_fact(key, value)
    return _label(categorize_known(trial, rules))


def _differences(rules: RuleSet, known: Known, base: Leaf, other: Leaf) -> list[Msg]:
    """What must differ from the most likely leaf to reach the other's point, each as a run.

    Facts are taken back to the likely values one at a time while the point stays, so that
    the conditions left are jointly enough (the rest of the facts at their likely values).
    """
    target = _label(other[1])
    hybrid = {**base[0], **other[0]}
    names = [
        n
        for n in sorted(other[0], key=FACT_NAMES.index)
        if n not in base[0] or describe(rules, n, base[0][n]) != describe(rules, n, other[0][n])
    ]
    for name in list(names):
        if name in base[0]:
            trial = {**hybrid, name: base[0][name]}
            if _label_of(rules, known, trial) == target:
                hybrid = trial
                names.remove(name)
    out = []
    for name in names:
        shown = _run(rules, known, (hybrid, other[1]), name)
        if shown is not None:
            out.append(shown)
    return out
