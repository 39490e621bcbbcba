"""Indicator definitions as validated data: the shape of definitions.yaml."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

Count = str | dict[str, str]
Where = dict[str, Any]


class Part(BaseModel):
    """A numerator or denominator: a further filter on the indicator's rows."""

    model_config = ConfigDict(extra="forbid")

    where: Where = Field(default_factory=dict)


class ReportsTo(BaseModel):
    """Roadmap goal/KPI and SDG labels an indicator reports to (editable, maybe unverified)."""

    model_config = ConfigDict(extra="forbid")

    goals: list[str] = Field(default_factory=list)
    kpis: list[str] = Field(default_factory=list)
    sdg: str | None = None
    verified: bool = False


class IndicatorDef(BaseModel):
    """One indicator: what it counts over which records, and how it is broken down."""

    model_config = ConfigDict(extra="forbid")

    id: str
    group: str
    title: str
    description: str | None = None
    unit: str
    source: str
    where: Where = Field(default_factory=dict)
    count: Count = "rows"
    numerator: Part | None = None
    denominator: Part | None = None
    disaggregations: list[str] = Field(default_factory=list)
    overlapping: list[str] = Field(default_factory=list)
    baseline: float | None = None
    baseline_year: int | None = None
    target: float | None = None
    target_year: int | None = None
    reports_to: ReportsTo = Field(default_factory=ReportsTo)

    @field_validator("count")
    @classmethod
    def _known_count(cls, value: Count) -> Count:
        if value == "rows":
            return value
        if isinstance(value, dict) and len(value) == 1:
            (how,) = value
            if how in ("distinct", "sum", "mean"):
                return value
        raise ValueError("count must be 'rows' or one of {distinct|sum|mean: FIELD}")

    @property
    def is_ratio(self) -> bool:
        """True when the indicator is a proportion numerator / denominator."""
        return self.numerator is not None

    def is_additive(self, dimension: str) -> bool:
        """True when the parts of a breakdown by `dimension` sum to the total."""
        if self.count != "rows" and isinstance(self.count, dict) and "mean" in self.count:
            return False
        return not any(part in self.overlapping for part in dimension.split("/"))


class Definitions(BaseModel):
    """The whole definitions file: groups, Roadmap labels and the indicators."""

    model_config = ConfigDict(extra="forbid")

    version: str = "unversioned"
    groups: dict[str, str]
    # Labels of the disaggregation names (sex, topic, ...); a name without one shows readable.
    dimensions: dict[str, str] = Field(default_factory=dict)
    roadmap: dict[str, Any] = Field(default_factory=dict)
    indicators: list[IndicatorDef]

    def by_id(self) -> dict[str, IndicatorDef]:
        """Return the indicators keyed by id."""
        return {ind.id: ind for ind in self.indicators}
