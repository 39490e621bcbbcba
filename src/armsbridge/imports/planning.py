"""Turn one row into the records and links it will write, or into the errors that stop it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from armsbridge.errors import ValidationFailed
from armsbridge.imports.limits import EXTRA_CELLS, ROW_PROBLEMS
from armsbridge.imports.mapping import Source, is_empty, render, template_columns
from armsbridge.imports.profile import Profile, RecordSpec
from armsbridge.imports.schemas import RowError
from armsbridge.records.children import prepare_child
from armsbridge.records.validation import prepare_values, type_fields, validate_values
from armsbridge.vocab.service import enum_values
from armsbridge.vocab.values import STEP_DATE, coerce_value

RecordKey = tuple[str, str, str]  # (record type, jurisdiction, external_ref)
__all__ = ["EXTRA_CELLS", "PlannedLink", "PlannedRecord", "RecordKey", "RowPlan", "plan_row"]
SHOWN_CHARS = 200  # of a value in a row error; the quarantine keeps the whole cell


def shown(value: Any) -> str:
    """Return a value as a row error shows it: at most SHOWN_CHARS, NUL as the symbol ␀."""
    text = "" if value is None else str(value)
    if len(text) > SHOWN_CHARS:
        text = f"{text[:SHOWN_CHARS]}… ({len(text):,} characters)"
    return text.replace("\x00", "\u2400")


@cache
def _jurisdictions() -> frozenset[str]:
    return frozenset(enum_values("jurisdictions"))


@dataclass
class PlannedRecord:
    """A record of one row, validated and normalised, not yet written."""

    spec: RecordSpec
    key: RecordKey
    values: dict[str, Any]
    step: tuple[str, date, str | None] | None = None  # a case's dated status step
    children: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class PlannedLink:
    """A link of one row between two records known by their keys."""

    kind: str
    source: RecordKey
    target: RecordKey
    values: dict[str, Any]


@dataclass
class RowPlan:
    """Everything one valid row writes, and the stored records it needs to find."""

    number: int
    raw: dict[str, Any]
    records: dict[str, PlannedRecord] = field(default_factory=dict)
    links: list[PlannedLink] = field(default_factory=list)
    needs: list[tuple[RecordKey, str]] = field(default_factory=list)  # (key, columns)


def _columns_of(source: Source | None) -> str:
    if source is None:
        return ""
    if source.value is not None and not source.referenced_columns():
        return "(constant)"
    return ", ".join(source.referenced_columns())


def _column_for(spec: RecordSpec, field_name: str, profile: Profile) -> str:
    if field_name == "external_ref":
        return ", ".join(template_columns(spec.key))
    if field_name == "jurisdiction":
        return _columns_of(profile.jurisdiction) or "(profile jurisdiction)"
    source = spec.fields.get(field_name)
    return _columns_of(source) or f"({spec.type}.{field_name})"


def _apply_format(source: Source, data: dict[str, Any], name: str, err: Any, label: str) -> bool:
    """Parse `data[name]` with the source's date format; False (an error noted) when it fails."""
    value = data[name]
    if not isinstance(value, str) or not value.strip():
        return True
    try:
        data[name] = source.parse_date(value)
    except ValueError:
        err(_columns_of(source), value, f"a date in the format {source.format} ({label})")
        return False
    return True


def plan_row(
    profile: Profile, number: int, raw: dict[str, Any], file: str
) -> RowPlan | list[RowError]:
    """Return the row's plan, or every error found in it (the row is then quarantined)."""
    errors: list[RowError] = []

    def err(column: str, value: Any, expected: str) -> None:
        errors.append(RowError(file, number, column, shown(value), expected))

    for column, value, expected in raw.get(ROW_PROBLEMS, ()):
        err(column, value, expected)
    if EXTRA_CELLS in raw:
        err(
            "",
            "; ".join(map(str, raw[EXTRA_CELLS])),
            "part of a column: the row has more cells than the header",
        )
    jurisdiction = profile.jurisdiction.extract(raw)
    jurisdiction = "" if jurisdiction is None else str(jurisdiction).strip().upper()
    if jurisdiction not in _jurisdictions():
        err(_columns_of(profile.jurisdiction), jurisdiction, "a jurisdiction (XK or MK)")
        return errors
    plan = RowPlan(number, raw)
    for spec in profile.records:
        if any(is_empty(raw.get(col)) for col in spec.when):
            continue
        key = render(spec.key, raw)
        if key is None:
            empty = [c for c in template_columns(spec.key) if is_empty(raw.get(c))]
            err(", ".join(empty), "", f"a value: it makes the reference of the {spec.alias} record")
            continue
        data: dict[str, Any] = {"jurisdiction": jurisdiction, "external_ref": key}
        dated = True
        for fname, source in spec.fields.items():
            data[fname] = source.extract(raw)
            if source.format is not None:
                dated &= _apply_format(source, data, fname, err, f"{spec.type}.{fname}")
        if not dated:
            continue
        required = type_fields(spec.type)
        for fname, alias in spec.foreign.items():
            if alias not in plan.records and required.get(fname, {}).get("required"):
                err("", "", f"a {alias} record in the same row ({spec.type}.{fname} needs it)")
        try:
            values = prepare_values(
                spec.type, data, partial=spec.existing, not_required=spec.foreign
            )
        except ValidationFailed as exc:
            for p in exc.problems:
                col = _column_for(spec, p["field"], profile)
                err(col, p["value"], f"{p['expected']} ({spec.type}.{p['field']})")
            continue
        if values.get("source_ref") is None:
            values.pop("source_ref", None)
        if spec.existing:
            values = {k: v for k, v in values.items() if v is not None}
        planned = PlannedRecord(spec, (spec.type, jurisdiction, key), values)
        if spec.status_date is not None and values.get("status"):
            raw_date = spec.status_date.extract(raw)
            try:
                on = coerce_value(STEP_DATE, raw_date, field="status_date")
            except ValidationFailed as exc:
                for p in exc.problems:
                    expected = p["expected"] + " (the date of case.status)"
                    err(_columns_of(spec.status_date), p["value"], expected)
                continue
            planned.step = (values["status"], on, values.get("court_reference"))
        for child in spec.children:
            if any(is_empty(raw.get(col)) for col in child.when):
                continue
            cdata = {name: src.extract(raw) for name, src in child.fields.items()}
            formats = [
                _apply_format(src, cdata, name, err, f"{child.type}.{name}")
                for name, src in child.fields.items()
                if src.format is not None
            ]
            if not all(formats):
                continue
            try:
                planned.children.append((child.type, prepare_child(child.type, cdata)))
            except ValidationFailed as exc:
                for p in exc.problems:
                    col = _columns_of(child.fields.get(p["field"])) or f"({child.type})"
                    err(col, p["value"], f"{p['expected']} ({child.type}.{p['field']})")
        plan.records[spec.alias] = planned
    for link in profile.links:
        ends: list[RecordKey] = []
        link_needs: list[tuple[RecordKey, str]] = []
        for end in (link.source, link.target):
            if end.alias is not None:
                alias_record = plan.records.get(end.alias)
                if alias_record is not None:
                    ends.append(alias_record.key)
                continue
            ref = render(end.key or "", raw)
            if ref is not None:
                assert end.type is not None
                key3 = (end.type, jurisdiction, ref)
                ends.append(key3)
                link_needs.append((key3, ", ".join(template_columns(end.key or ""))))
        if len(ends) < 2:
            continue
        data = {name: src.extract(raw) for name, src in link.attributes.items()}
        try:
            values = validate_values("link", data, partial=True)
        except ValidationFailed as exc:
            for p in exc.problems:
                col = _columns_of(link.attributes.get(p["field"]))
                err(col, p["value"], f"{p['expected']} (link {link.kind}.{p['field']})")
            continue
        plan.needs.extend(link_needs)
        plan.links.append(PlannedLink(link.kind, ends[0], ends[1], values))
    return errors or plan
