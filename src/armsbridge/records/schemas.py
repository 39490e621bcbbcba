"""Pydantic shapes of records going in and out (API, web forms); the schema itself is YAML."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field


class RecordIn(BaseModel):
    """A record to create or update: its type and field values (validated by the service)."""

    record_type: str
    data: dict[str, Any] = Field(default_factory=dict)


class RecordRef(BaseModel):
    """A reference to one record."""

    record_type: str
    id: int
    jurisdiction: str
    external_ref: str | None = None


class StatusChangeIn(BaseModel):
    """A step of a case through the procedure."""

    status: str
    changed_on: date
    court_reference: str | None = None
    note: str | None = None


class LinkIn(BaseModel):
    """A typed relationship between two records."""

    kind: str
    from_type: str
    from_id: int
    to_type: str
    to_id: int
    role: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
