"""What is already known of a firearm: its stated facts completed from the reference table and its
markings (stated facts always win, contradictions are reported), and the category from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from armsbridge.firearms.calibre import lookup_calibre, normalise_calibre
from armsbridge.firearms.categories import categorize_known, complete, load_rules
from armsbridge.firearms.provisional import add_provisional
from armsbridge.firearms.reference import ModelEntry, find_entry, parse_markings
from armsbridge.firearms.schemas import CategoryResult, FirearmFacts
from armsbridge.firearms.wording import Msg, entry_title, fact_name, fact_value
from armsbridge.i18n_marker import N_

IDENTITY = ("make", "model", "calibre", "markings")
# A sign of conversion (a drilled barrel marked, a live calibre on a blank model) outweighs the
# ordinary compliance of a factory-made alarm weapon.
CONVERTED_LIKELY = {
    "meets_alarm_signal_specs": {
        "value": False,
        "why": "a sign of conversion: a converted alarm weapon no longer meets Directive 2019/69",
    }
}


def split_identity(item: Any) -> tuple[Any, dict[str, str | None]]:
    """Split a JSON object into its facts and the make, model, calibre and markings as read."""
    if not isinstance(item, dict):
        return item, {}
    identity = {k: (str(item[k]) if item[k] is not None else None) for k in IDENTITY if k in item}
    return {k: v for k, v in item.items() if k not in IDENTITY}, identity


@dataclass
class Reference:
    """The reference entry a record points to and the facts it and the markings give."""

    entry: ModelEntry | None
    facts: dict[str, tuple[Any, str]] = field(default_factory=dict)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def from_reference(source: str, verified: bool = True) -> Msg:
    """The origin of a fact the reference gives: "from the reference: SOURCE[, unverified]"."""
    return Msg(
        f"from the reference: {source}" + ("" if verified else ", unverified"),
        N_("from the reference: %(source)s")
        if verified
        else N_("from the reference: %(source)s (unverified)"),
        source=Msg(source),
    )


def _marking_origin(text: str, source: str, verified: bool) -> Msg:
    state = "" if verified else ", unverified"
    return Msg(
        f"from the reference: marking {text!r} ({source}{state})",
        N_("from the reference: the marking “%(marking)s” (%(source)s)")
        if verified
        else N_("from the reference: the marking “%(marking)s” (%(source)s; unverified)"),
        marking=text,
        source=Msg(source),
    )


def reference_facts(
    make: str | None = None,
    model: str | None = None,
    calibre: str | None = None,
    markings: str | None = None,
) -> Reference:
    """Find the reference entry of a make/model (or of a marking) and the facts it gives."""
    entry = find_entry(make, model, calibre, markings)
    facts: dict[str, tuple[Any, str]] = {}
    if entry is not None:
        for name, (value, source, verified) in entry.facts().items():
            facts[name] = (value, from_reference(source, verified))
    if "alarm_signal_device" not in facts and "converted_to" not in facts:
        for mark in parse_markings(markings):
            if mark.blank and mark.kind != "calibre":
                origin = _marking_origin(mark.text, mark.source, mark.verified)
                facts["alarm_signal_device"] = (True, origin)
                break
    cal = lookup_calibre(calibre) if calibre else None
    if "alarm_signal_device" not in facts and cal and cal.blank:
        facts["alarm_signal_device"] = (
            True,
            Msg(
                f"from the reference: blank calibre ({cal.source})",
                N_("from the reference: a blank cartridge calibre (%(source)s)"),
                source=Msg(cal.source),
            ),
        )
    if "ignition" not in facts and cal and cal.ignition:
        origin = Msg(
            f"from the reference: calibre {cal.name} ({cal.ignition_source})",
            N_("from the reference: calibre %(calibre)s (%(source)s)"),
            calibre=cal.name,
            source=Msg(cal.ignition_source),
        )
        facts["ignition"] = (cal.ignition, origin)
    return Reference(entry, facts)


def contradictions(
    stated: dict[str, Any], reference: Reference, calibre: str | None = None
) -> list[str]:
    """Name each stated fact (and the calibre) that the reference entry contradicts."""
    out: list[str] = []
    from_entry = reference.entry.facts() if reference.entry else {}
    for name, (value, origin) in reference.facts.items():
        said = stated.get(name)
        if said is not None and said != value:
            title = (
                entry_title(reference.entry.make, reference.entry.model)
                if reference.entry and name in from_entry
                else Msg("table", N_("reference table"))
            )
            source = origin.removeprefix("from the reference: ")
            out.append(
                Msg(
                    f"contradiction: the record states {name} = {_shown(said)}, the reference "
                    f"({title}: {source}) gives {_shown(value)}",
                    N_(
                        "the record states %(fact)s: %(stated)s; the reference (%(title)s) "
                        "gives %(given)s"
                    ),
                    fact=fact_name(name),
                    stated=fact_value(name, said),
                    title=title,
                    given=fact_value(name, value),
                )
            )
    entry = reference.entry
    title = entry_title(entry.make, entry.model) if entry else Msg("")
    if calibre and entry and entry.calibre:
        ours, theirs = normalise_calibre(calibre), normalise_calibre(entry.calibre)
        if ours and theirs and ours != theirs:
            text = (
                f"contradiction: the record states calibre {calibre}, the reference "
                f"({title}: {entry.source}) gives {entry.calibre}"
            )
            if entry.blank_firing:
                text += " (a live calibre on a blank-firing model: possible conversion)"
            said = (
                N_(
                    "the record states calibre %(stated)s; the reference (%(title)s) gives "
                    "%(given)s: a live calibre on a blank-firing model, a possible conversion"
                )
                if entry.blank_firing
                else N_(
                    "the record states calibre %(stated)s; the reference (%(title)s) gives "
                    "%(given)s"
                )
            )
            out.append(Msg(text, said, stated=calibre, title=title, given=entry.calibre))
    return out


def assess(
    facts: FirearmFacts | dict[str, Any],
    *,
    make: str | None = None,
    model: str | None = None,
    calibre: str | None = None,
    markings: str | None = None,
) -> CategoryResult:
    """Categorise stated facts completed by the reference; say what is provisional and why."""
    rules = load_rules()
    stated = facts.known() if isinstance(facts, FirearmFacts) else dict(facts)
    stated = {k: v for k, v in stated.items() if v is not None}
    reference = reference_facts(make, model, calibre, markings)
    found = contradictions(stated, reference, calibre)
    known = complete(rules, stated, reference.facts)
    result = categorize_known(known, rules)
    if reference.entry is not None:
        result.reference = reference.entry.title
    if found:
        result.contradictions = found
        result.reasons = [*result.reasons, *found]
    converted = any(m.conversion for m in parse_markings(markings)) or any(
        "possible conversion" in c for c in found
    )
    add_provisional(result, known, rules, CONVERTED_LIKELY if converted else None)
    return result
