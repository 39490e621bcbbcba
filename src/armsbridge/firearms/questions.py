"""The questions of the guided identification: one per fact, in the order an examiner answers."""

from __future__ import annotations

from typing import Any, get_args

from armsbridge.firearms.schemas import FACT_NAMES, FirearmFacts
from armsbridge.firearms.wording import FACT_LABELS, NO, VALUE_LABELS, YES
from armsbridge.i18n_marker import N_

# Questions in the order an examiner answers them; only those still missing are asked, a few
# at a time.
QUESTIONS: dict[str, str] = {
    "kind": N_("What kind of weapon is it?"),
    "action": N_("How does it fire and reload?"),
    "alarm_signal_device": N_("Is it an alarm or signal (blank-firing) device?"),
    "meets_alarm_signal_specs": N_(
        "Does it meet Implementing Directive 2019/69 (barrel obstruction, not convertible)?"
    ),
    "deactivated": N_("Has it been deactivated?"),
    "deactivation_certified": N_("Is the deactivation certified under Regulation 2015/2403?"),
    "ignition": N_("Centre-fire or rimfire?"),
    "barrel_length_cm": N_("Barrel length (cm)?"),
    "overall_length_cm": N_("Overall length (cm)?"),
    "magazine_capacity": N_("How many rounds does the magazine (loading device) hold?"),
    "detachable_magazine": N_("Is the magazine detachable?"),
    "foldable_stock": N_(
        "Can it be shortened below 60 cm (folding, telescoping or removable stock) and still fire?"
    ),
    "smooth_bore": N_("Is the barrel smooth-bore (not rifled)?"),
    "placed_on_market": N_("When was it placed on the market (yyyy-mm-dd)?"),
    "converted_from_automatic": N_("Was it converted from automatic to semi-automatic?"),
    "converted_to": N_("Was it converted to fire blanks, or into a salute/acoustic weapon?"),
    "resembles_automatic": N_("Does it resemble an automatic weapon?"),
    "disguised": N_("Is it disguised as another object?"),
    "military_explosive": N_("Is it an explosive military missile or launcher?"),
    "ammunition": N_("Is the item ammunition with special projectiles?"),
    "component": N_("Is the item an essential component of a firearm?"),
}
PER_STEP = 3


def widget(name: str) -> dict[str, Any]:
    """How a fact is asked: a list of choices (value, label), yes/no, a date or a number."""
    field = FirearmFacts.model_fields[name]
    text = str(field.annotation)
    if "Literal" in text:
        values = _literal_values(field.annotation)
        return {"widget": "select", "options": [(v, VALUE_LABELS.get(v, v)) for v in values]}
    if "bool" in text:
        return {"widget": "yesno", "options": [("true", YES), ("false", NO)]}
    if "date" in text:
        return {"widget": "date", "options": []}
    return {"widget": "number", "options": []}


# The name of each fact in forms and addresses: the words of the field without its unit.
FORM_NAMES: dict[str, str] = {name: name.removesuffix("_cm") for name in FACT_NAMES}
_FACTS_BY_FORM_NAME = {form: name for name, form in FORM_NAMES.items()}


def form_facts(values: Any) -> dict[str, str]:
    """The facts a form or query gives, by fact name (form names and fact names both read)."""
    out: dict[str, str] = {}
    for key, value in values.items():
        name = _FACTS_BY_FORM_NAME.get(key, key if key in FirearmFacts.model_fields else None)
        if name is not None and str(value).strip() != "":
            out[name] = str(value)
    return out


def form_names(facts: dict[str, Any]) -> dict[str, Any]:
    """The same facts under their form names (for addresses and hidden fields)."""
    return {FORM_NAMES.get(k, k): v for k, v in facts.items()}


# What an answer must be, by widget, said to the user when one is not understood.
EXPECTED = {
    "number": N_("a number, such as 30 or 30.5"),
    "date": N_("a date, such as 2018-09-14"),
    "select": N_("one of the choices"),
    "yesno": N_("yes or no"),
}


def problems_of(problems: list[dict[str, str]], gettext: Any) -> list[dict[str, str]]:
    """Each problem of the answers with the fact named in words and what it must be."""
    out = []
    for p in problems:
        name = p.get("field", "")
        known = name in FirearmFacts.model_fields
        label = FACT_LABELS.get(name, name) if known else N_("answers")
        expected = EXPECTED[widget(name)["widget"]] if known else p.get("expected", "")
        out.append(
            {
                "field": FORM_NAMES.get(name, name),
                "label": gettext(label),
                "value": p.get("value", ""),
                "expected": gettext(expected),
            }
        )
    return out


def question(name: str) -> dict[str, Any]:
    """One question: the fact's name, what is asked (a catalogue message) and its widget."""
    return {"name": name, "field": FORM_NAMES[name], "text": QUESTIONS[name], **widget(name)}


def questions_for(missing: list[str]) -> list[dict[str, Any]]:
    """The questions of the facts still missing, in the order an examiner answers them."""
    return [question(name) for name in QUESTIONS if name in missing]


def _literal_values(annotation: Any) -> list[str]:
    out: list[str] = []
    for arg in get_args(annotation):
        if isinstance(arg, str):
            out.append(arg)
        else:
            out.extend(_literal_values(arg))
    return out
