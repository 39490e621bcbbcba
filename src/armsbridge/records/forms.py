"""HTML forms built from the record-type schema: widgets, submitted values, errors per field."""

from __future__ import annotations

from datetime import date
from typing import Any

from armsbridge.i18n_marker import N_
from armsbridge.records.labels import field_label
from armsbridge.records.validation import DERIVED_FIELDS, model_for, type_fields
from armsbridge.vocab.service import enum_values
from armsbridge.vocab.values import date_limits

FORMATS = {"partial_date": N_("yyyy, yyyy-mm, dd.mm.yyyy"), "date": N_("dd.mm.yyyy")}
FROM = N_("from %(date)s")
UNTIL_TODAY = N_("no later than today (%(date)s)")
UNTIL = N_("no later than %(date)s")

# Fields a form never shows: computed ones and the provenance kept by the system.
HIDDEN = {"external_ref", "source_ref"}
# Fields an edit form leaves out: the owner never changes; a case's status moves only through
# a dated status change (its own form on the case page).
EDIT_HIDDEN = {"jurisdiction"}
EDIT_HIDDEN_OF = {"case": {"status"}}


def form_fields(
    record_type: str,
    *,
    values: dict[str, Any] | None = None,
    problems: list[dict[str, str]] | None = None,
    editing: bool = False,
    choices: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """Return one dict per field to draw: name, label, widget, options, value, error.

    `choices` narrows the options of a choice field to those the user may pick (their own
    jurisdiction); the service refuses any other, the form only reflects it.
    """
    values = values or {}
    errors: dict[str, dict[str, str]] = {}
    for each in problems or []:
        errors.setdefault(each.get("field", ""), each)
    derived = set(DERIVED_FIELDS.get(record_type, ()))
    if editing:
        derived |= EDIT_HIDDEN | EDIT_HIDDEN_OF.get(record_type, set())
    out = []
    for name, spec in type_fields(record_type).items():
        if name in derived or name in HIDDEN:
            continue
        kind = spec.get("type", "text")
        widget = {
            "enum": "select",
            "bool": "checkbox",
            "date": "date",
            "int": "number",
            "float": "number",
        }.get(kind, "text")
        if kind == "text" and not spec.get("max_length"):
            widget = "textarea"
        value = values.get(name)
        problem = errors.get(name)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if isinstance(value, date):
            value = value.isoformat()
        out.append(
            {
                "name": name,
                "label": field_label(name),
                "widget": widget,
                "type": kind,
                "required": bool(spec.get("required")),
                "options": _options(spec, (choices or {}).get(name)) if kind == "enum" else None,
                "value": "" if value is None else value,
                "error": (problem.get("expected") or "a valid value") if problem else None,
                "entered": problem.get("value", "") if problem else None,
                "hint": FORMATS.get(kind),
                "limits": _limits(spec) if kind in FORMATS else [],
                "step": "any" if kind == "float" else None,
            }
        )
    # Focus goes to the first field that needs attention (the summary above links to each).
    first = next((f for f in out if f["error"] is not None), None)
    if first is not None:
        first["autofocus"] = True
    return out


def _limits(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """The bounds of a date field (records.yaml), as (message, ISO date) for its hint."""
    earliest, latest = date_limits(spec)
    out = []
    if earliest is not None:
        out.append((FROM, earliest.isoformat()))
    if latest is not None:
        out.append((UNTIL_TODAY if spec["not_after"] == "today" else UNTIL, latest.isoformat()))
    return out


def _options(spec: dict[str, Any], allowed: list[str] | None) -> dict[str, str]:
    options = enum_values(spec["enum"])
    if allowed is None:
        return options
    return {code: label for code, label in options.items() if code in allowed}


def submitted_values(
    record_type: str, form: Any, *, editing: bool = False, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return the values a form sent, as the service expects them (blank fields left out).

    When editing, a field that had a value and was emptied is sent as None (cleared).
    """
    current = current or {}
    columns = model_for(record_type).__table__.c
    data: dict[str, Any] = {}
    for field in form_fields(record_type, editing=editing):
        name = field["name"]
        if field["type"] == "bool":
            checked = form.get(name) in ("on", "true", "1", "yes")
            if checked or editing or name in form:
                data[name] = checked
            continue
        raw = form.get(name)
        text = raw.strip() if isinstance(raw, str) else ""
        if text:
            data[name] = (
                [p.strip() for p in text.split(",") if p.strip()]
                if (field["type"] == "list")
                else text
            )
        elif (
            editing
            and current.get(name) not in (None, "", [])
            and name in columns
            and columns[name].nullable
        ):
            data[name] = None
    return data
