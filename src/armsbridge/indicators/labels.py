"""The indicators report in the reader's language: texts of the definitions, codes as labels.

`localise_report` turns a computed report (codes, English texts of the definitions) into what a
page or an export shows: titles, descriptions, groups, units and disaggregation names through
the catalogs (a text a user wrote in their own definitions file is not in them and shows as
written), coded parts of a breakdown as their labels, typed parts (topics, institutions,
channels, calibres) as typed. The figures are not touched.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal, format_percent

from armsbridge.i18n_marker import N_
from armsbridge.indicators.extract import one_line
from armsbridge.records.listing import CATEGORY_WORDS
from armsbridge.vocab.service import enum_values
from armsbridge.web.i18n import Formatter

UNKNOWN = N_("unknown")  # the part of the rows that have no value
YES_NO = {"yes": N_("yes"), "no": N_("no")}
# Codes of the indicators' own making (flags) and the legal category's words, by field.
WORDS: dict[str, dict[str, str]] = {
    "converted": YES_NO,
    "antique": YES_NO,
    "with_hits": YES_NO,
    "category": CATEGORY_WORDS,
}
CONTEXTS = ("firearm_statuses", "event_kinds")
# The enumerations the coded fields of each source take their values from (tried in order);
# a field not named here (topic, training, institution, channel, calibre) holds typed text.
COMMON = {"jurisdiction": ("jurisdictions",), "sex": ("sexes",)}
ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "attendance": {"kind": ("training_kinds",)},
    "training_sessions": {"kind": ("training_kinds",)},
    "knowledge_products": {"kind": ("knowledge_product_kinds",)},
    "campaigns": {"kind": ("campaign_kinds",)},
    "campaign_channels": {"kind": ("campaign_kinds",)},
    "joint_operations": {"kind": ("joint_operation_kinds",)},
    "joint_patrols": {"planned_by": ("jurisdictions",)},
    "firearms": {
        "status": ("firearm_statuses",),
        "trace_status": ("trace_statuses",),
        "kind": ("firearm_kinds",),
        "conversion_kind": ("conversion_kinds",),
        "context": CONTEXTS,
    },
    "ammunition": {"context": CONTEXTS},
    "explosives": {"kind": ("explosive_kinds",), "context": CONTEXTS},
    "components": {"kind": ("component_kinds",), "context": CONTEXTS},
    "cases": {"kind": ("case_kinds",), "status": ("case_statuses",)},
    "verdicts": {"kind": ("case_kinds",), "outcome": ("case_statuses",)},
}


@lru_cache(maxsize=1)
def english() -> Formatter:
    """Return the English formatter: the language of exports made on the command line."""
    return Formatter("en")


def enum_label(enums: tuple[str, ...], code: str, fmt: Formatter) -> str | None:
    """Return the translated label of `code` in the first of `enums` that has it, else None."""
    for name in enums:
        label = enum_values(name).get(code)
        if label is not None:
            return fmt.gettext(label)
    return None


def language_name(code: str, fmt: Formatter) -> str:
    """Return the name of the language `code` (sq, mk, ...) in the reader's language."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(fmt.locale)
    except (ValueError, TypeError, UnknownLocaleError):
        return code
    return (name[:1].upper() + name[1:]) if name else code


def part_label(source: str, field: str, code: str, fmt: Formatter) -> str:
    """Return what a reader sees for one part of a breakdown by `field` of `source`."""
    if code == UNKNOWN:
        return fmt.gettext(UNKNOWN)
    if code in WORDS.get(field, {}):
        return fmt.gettext(WORDS[field][code])
    enums = ENUMS.get(source, {}).get(field) or COMMON.get(field)
    if enums:
        return enum_label(enums, code, fmt) or code
    if field == "language":
        return language_name(code, fmt)
    return code


def dimension_label(dimension: str, names: dict[str, str], fmt: Formatter) -> str:
    """Return the name of a disaggregation ("topic/sex": "Topic / Sex") in the reader's language."""
    parts = dimension.split("/")
    return " / ".join(
        fmt.gettext(one_line(names.get(p) or p.replace("_", " ").capitalize())) for p in parts
    )


def _pairs(tree: dict[str, Any], fields: list[str], source: str, fmt: Formatter) -> list:
    """Return (label, value) pairs of a possibly nested breakdown, labels joined by ' / '."""
    out: list[tuple[str, Any]] = []
    for code, value in tree.items():
        label = part_label(source, fields[0], str(code), fmt)
        if isinstance(value, dict):
            out.extend((f"{label} / {sub}", v) for sub, v in _pairs(value, fields[1:], source, fmt))
        else:
            out.append((label, value))
    return out


def display_value(ind: dict[str, Any], fmt: Formatter | None = None) -> str:
    """Return the indicator's value as a person would write it (a percentage for proportions)."""
    fmt = fmt or english()
    value = ind["value"]
    if value is None:
        return fmt.gettext(N_("n/a (no records)"))
    if ind["unit"] == "proportion":
        return fmt.gettext(
            N_("%(percent)s (%(numerator)s of %(denominator)s)"),
            percent=format_percent(value, "#,##0.0%", locale=fmt.locale),
            numerator=fmt.number(ind["numerator"]),
            denominator=fmt.number(ind["denominator"]),
        )
    return figure(value, fmt)


def figure(value: Any, fmt: Formatter) -> str:
    """Return a number with the reader's separators (two decimals for a non-integer)."""
    if isinstance(value, float) and not value.is_integer():
        return format_decimal(value, "#,##0.00", locale=fmt.locale)
    if isinstance(value, (int, float)):
        return fmt.number(int(value))
    return "" if value is None else str(value)


def _breakdowns(ind: dict[str, Any], names: dict[str, str], fmt: Formatter) -> list[dict]:
    source = ind.get("source", "")
    numerators = ind.get("numerator_breakdown", {})
    out = []
    for dimension, tree in ind["breakdown"].items():
        fields = dimension.split("/")
        out.append(
            {
                "dimension": dimension,
                "label": dimension_label(dimension, names, fmt),
                "nested": len(fields) > 1,
                "pairs": _pairs(tree, fields, source, fmt),
                "numerators": dict(_pairs(numerators.get(dimension, {}), fields, source, fmt)),
            }
        )
    return out


def localise_report(report: dict[str, Any], fmt: Formatter | None = None) -> dict[str, Any]:
    """Return a copy of `report` with the texts a reader sees in `fmt`'s language added."""
    fmt = fmt or english()
    names = report.get("dimensions") or {}
    groups = {code: fmt.gettext(one_line(label)) for code, label in report["groups"].items()}
    goals = {
        str(number): fmt.gettext(one_line(str(goal.get("label", ""))))
        for number, goal in ((report.get("roadmap") or {}).get("goals") or {}).items()
        if isinstance(goal, dict) and goal.get("label")
    }
    indicators = []
    for ind in report["indicators"]:
        numbers = (ind.get("reports_to") or {}).get("goals") or []
        shown = dict(ind)
        shown.update(
            title=fmt.gettext(one_line(ind["title"])),
            description=fmt.gettext(one_line(ind["description"])) if ind.get("description") else "",
            unit_label=fmt.gettext(one_line(ind["unit"])),
            group_label=groups.get(ind["group"], ind["group"]),
            shown=display_value(ind, fmt),
            breakdowns=_breakdowns(ind, names, fmt),
            goal_labels=[goals[g] for g in numbers if g in goals],
        )
        indicators.append(shown)
    return {**report, "groups": groups, "goals": goals, "indicators": indicators}
