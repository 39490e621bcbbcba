"""Pydantic shapes of the REST API, built per record type from vocab/records.yaml and the tables."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import inspect as sa_inspect

from armsbridge.records.models import RECORD_MODELS
from armsbridge.vocab.registry import restricted_types
from armsbridge.vocab.service import record_fields

# URL segment of each record type under /api/.
SLUGS: dict[str, str] = {t.name: t.slug for t in restricted_types()}  # record type -> /api/<slug>
# Databases refuse NUL characters in text; refusing them here gives a 422, not a fault.
NO_NUL = r"^[^\x00]*$"
INT32 = 2**31 - 1
# Reference columns a list can be filtered on.
REFERENCE_FIELDS = {"case_id": "case", "event_id": "event", "place_id": "place"}
LIST_FILTER_TYPES = ("text", "enum", "int", "bool", "partial_date", "date")


def Text(max_length: int | None = None) -> Any:  # noqa: N802 - reads like a type
    """Return an annotated str type without NUL characters, at most `max_length` long."""
    return Annotated[str, Field(max_length=max_length or 20000, pattern=NO_NUL)]


def _camel(record_type: str) -> str:
    return "".join(part.capitalize() for part in record_type.split("_"))


def _field_type(spec: dict[str, Any]) -> Any:
    kind = spec.get("type")
    if kind == "int":
        low = spec.get("min", -INT32)
        high = spec.get("max", INT32)
        return Annotated[int, Field(ge=low, le=high)]
    if kind == "float":
        return Annotated[float, Field(ge=spec.get("min", -1e12), le=spec.get("max", 1e12))]
    if kind == "bool":
        return bool
    if kind == "list":
        return Annotated[list[Text(200)], Field(max_length=50)]  # type: ignore[misc]
    if kind in ("date", "partial_date"):
        return Text(10)
    return Text(spec.get("max_length"))


def _input_fields(record_type: str) -> dict[str, Any]:
    # case_id/event_id/place_id are not written here: a record joins a case through a link.
    return {
        name: (_field_type(spec) | None, None) for name, spec in record_fields(record_type).items()
    }


@cache
def input_model(record_type: str) -> type[BaseModel]:
    """Return the Pydantic model of a record's writable fields (the service validates them)."""
    return create_model(
        f"{_camel(record_type)}In",
        __config__=ConfigDict(extra="forbid", allow_inf_nan=False),
        **_input_fields(record_type),
    )


def _python_type(column: Any) -> Any:
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return Any
    if kind in (dict, list):
        return Any
    if kind is datetime:
        return datetime
    if kind is date:
        return date
    return kind


class ProvenanceOut(BaseModel):
    """Where a foreign record came from and the provider's conditions (null for own records)."""

    provider: str = Field(description="Jurisdiction that sent the record (XK or MK).")
    handling_code: str = Field(
        description="H0 crime prevention only; H1 not for judicial use without permission; "
        "H2 no further dissemination (never exported); H3 the provider's restriction."
    )
    restriction: str | None = Field(None, description="The provider's own words (H3).")
    grades: str = Field(description="EU 4x4 evaluation: source grade and information grade.")
    received_at: datetime
    message_id: str
    notice: str = Field(description="What the code means for you, in English (pages translate).")


@cache
def output_model(record_type: str) -> type[BaseModel]:
    """Return the Pydantic model of a record as the API returns it (every column, provenance)."""
    mapper = sa_inspect(RECORD_MODELS[record_type])
    fields: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        fields[attr.key] = (_python_type(column) | None, None)
    fields["provenance"] = (ProvenanceOut | None, None)
    return create_model(f"{_camel(record_type)}Out", **fields)


@cache
def page_model(record_type: str) -> type[BaseModel]:
    """Return the model of one page of records: items, total and the paging used."""
    return create_model(
        f"{_camel(record_type)}Page",
        items=(list[output_model(record_type)], ...),  # type: ignore[misc,arg-type]
        total=(int, ...),
        limit=(int, ...),
        offset=(int, ...),
    )


def filter_fields(record_type: str) -> dict[str, dict[str, Any]]:
    """Return the fields a list can be filtered on (short values; long texts excluded)."""
    result = {}
    for name, spec in record_fields(record_type).items():
        if spec.get("type") not in LIST_FILTER_TYPES or name == "jurisdiction":
            continue
        if spec.get("type") == "text" and not spec.get("max_length"):
            continue
        result[name] = spec
    return result


class StatusChangeOut(BaseModel):
    """One step of a case through the procedure."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    changed_on: date
    court_reference: str | None = None
    note: str | None = None
    recorded_by: str
    recorded_at: datetime


class StatusChangeIn(BaseModel):
    """A new step of a case: its status, date and court reference."""

    model_config = ConfigDict(extra="forbid")

    status: Annotated[str, Field(max_length=40, pattern=NO_NUL)]
    changed_on: date
    court_reference: Annotated[str, Field(max_length=120, pattern=NO_NUL)] | None = None
    note: Annotated[str, Field(max_length=2000, pattern=NO_NUL)] | None = None
