"""Names shown for record types and fields; marked for translation with N_ (see web.i18n)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import pass_context

from armsbridge.errors import NotFound
from armsbridge.i18n_marker import N_, Label
from armsbridge.vocab.registry import record_types, restricted_types
from armsbridge.vocab.service import enum_label, record_fields

# Record type -> (URL slug, singular label, plural label), from the registry (records.yaml): the
# record types with pages of their own. Their labels are extracted for translation from
# records.yaml (web/babel.cfg).
TYPES: dict[str, tuple[str, str, str]] = {
    t.name: (t.slug, t.label, t.plural) for t in restricted_types() if t.name != "link"
}

FIELDS: dict[str, str] = {
    "jurisdiction": N_("Jurisdiction"),
    "external_ref": N_("Reference in the source system"),
    "source_ref": N_("Source"),
    "handling_code": N_("Handling code"),
    "retention_review_on": N_("Retention review on"),
    "reference": N_("Reference"),
    "kind": N_("Kind"),
    "title": N_("Title"),
    "summary": N_("Summary"),
    "handling_restriction": N_("Handling restriction"),
    "status": N_("Status"),
    "opened_on": N_("Opened on"),
    "court_reference": N_("Court reference"),
    "restricted": N_("Restricted case"),
    "occurred_on": N_("Date"),
    "occurred_time": N_("Time"),
    "description": N_("Description"),
    "name": N_("Name"),
    "municipality": N_("Municipality"),
    "country": N_("Country"),
    "latitude": N_("Latitude"),
    "longitude": N_("Longitude"),
    "crossing_code": N_("Crossing point"),
    "make": N_("Make"),
    "model": N_("Model"),
    "action": N_("Action"),
    "calibre": N_("Calibre"),
    "serial_raw": N_("Serial number (as read)"),
    "serial_normalised": N_("Serial number (normalised)"),
    "markings": N_("Markings"),
    "country_of_manufacture": N_("Country of manufacture"),
    "year_of_manufacture": N_("Year of manufacture"),
    "converted": N_("Converted"),
    "conversion_kind": N_("Conversion"),
    "category": N_("Legal category"),
    "quantity": N_("Quantity"),
    "projectile": N_("Projectile"),
    "weight_kg": N_("Weight (kg)"),
    "fits_make": N_("Fits make"),
    "fits_model": N_("Fits model"),
    "given_name": N_("Given name"),
    "family_name": N_("Family name"),
    "father_name": N_("Father's name"),
    "script": N_("Script"),
    "name_variants": N_("Other spellings"),
    "sex": N_("Sex"),
    "birth_date": N_("Date of birth"),
    "birth_place": N_("Place of birth"),
    "nationality": N_("Nationality"),
    "plate_raw": N_("Plate (as read)"),
    "plate_normalised": N_("Plate (normalised)"),
    "registration_country": N_("Registration country"),
    "vin": N_("VIN"),
    "colour": N_("Colour"),
    "number_raw": N_("Number (as written)"),
    "e164": N_("Number (E.164)"),
    "platform": N_("Platform"),
    "handle": N_("Handle"),
    "url": N_("Address (URL)"),
    "text": N_("Text"),
    "source_grade": N_("Source grade"),
    "information_grade": N_("Information grade"),
    "reported_on": N_("Reported on"),
    "created_at": N_("Created at"),
    "created_by": N_("Created by"),
    "updated_at": N_("Updated at"),
    "updated_by": N_("Updated by"),
    "calibre_normalised": N_("Calibre (normalised)"),
    "rules_version": N_("Version of the categorisation rules"),
}


def field_label(name: str) -> str:
    """Return the (untranslated) label of a field, or its name made readable."""
    return FIELDS.get(name, name.replace("_", " ").capitalize())


def title_of(
    record_type: str, record: object, label: Callable[[str, object], str] = enum_label
) -> str:
    """Return a short human title of a record for lists, links and headings.

    A title made of a coded value (an event's kind) shows its label, through `label(enum,
    code)`: pages pass the request's translating one.
    """
    get = record.__dict__.get
    if record_type == "person":
        name = " ".join(x for x in (get("given_name"), get("family_name")) if x)
        return name or f"#{get('id')}"
    if record_type == "case":
        return f"{get('reference')} {get('title') or ''}".strip()
    if record_type == "firearm":
        parts = [get("make"), get("model"), get("serial_raw")]
        return " ".join(str(p) for p in parts if p) or f"#{get('id')}"
    if record_type == "vehicle":
        return " ".join(str(p) for p in (get("plate_raw"), get("make"), get("model")) if p)
    if record_type == "phone":
        return str(get("e164") or get("number_raw"))
    for attr in ("name", "handle", "reference", "kind", "calibre", "model"):
        if get(attr):
            enum = enum_of(record_type, attr)
            return label(enum, get(attr)) if enum else str(get(attr))
    return f"#{get('id')}"


# Coded columns the writer keeps that are not input fields of records.yaml.
DERIVED_ENUMS = {("firearm", "trace_status"): "trace_statuses"}
# Country codes the writer derives (a phone number's country), shown by the country's name.
DERIVED_COUNTRIES = {("phone", "country")}


def enum_of(record_type: str, name: str) -> str | None:
    """Return the enumeration (vocab/enums.yaml) a field's values are codes of, or None."""
    spec = record_fields(record_type).get(name) or {}
    if spec.get("type") == "enum":
        return str(spec["enum"])
    return DERIVED_ENUMS.get((record_type, name))


@pass_context
def page_title_of(context: Any, record_type: str, record: object) -> str:
    """`title_of` for templates: coded values in the page's language (its `fmt`)."""
    return title_of(record_type, record, context["fmt"].enum)


NOT_YOURS = N_("%(type)s %(id)s does not exist or is not yours to see.")


def not_found(record_type: str, record_id: object) -> NotFound:
    """Return the refusal of a record that is missing or that the user may not see (404)."""
    known = record_types().get(record_type)
    label = Label(known.label) if known else record_type
    return NotFound(NOT_YOURS, values={"type": label, "id": record_id})


def shown_value(fmt: Any, record_type: str, name: str, value: Any) -> Any:
    """A fact of a record as shown by `fmt` (a Formatter): a code by its label, a derived
    country by its name, anything else as it is."""
    enum = enum_of(record_type, name)
    if enum:
        return fmt.enum(enum, value)
    if (record_type, name) in DERIVED_COUNTRIES:
        return fmt.country(value)
    return value


@pass_context
def page_value(context: Any, record_type: str, name: str, value: Any) -> Any:
    """`shown_value` for templates, in the page's language."""
    return shown_value(context["fmt"], record_type, name, value)
