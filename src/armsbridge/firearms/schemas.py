"""Pydantic shapes of the firearms domain: categorisation facts and results, trace requests."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SkipValidation, ValidationError

from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_

Kind = Literal[
    "pistol", "revolver", "rifle", "shotgun", "submachine_gun", "machine_gun", "launcher", "other"
]
Action = Literal["automatic", "semi_automatic", "repeating", "single_shot"]
Ignition = Literal["centre_fire", "rimfire"]
ConvertedTo = Literal["blank_firing", "salute_acoustic"]
Ammunition = Literal["penetrating", "explosive", "incendiary", "expanding"]
ComponentKind = Literal["barrel", "frame", "receiver", "slide", "cylinder", "bolt", "breech_block"]
Category = Literal["A", "B", "C", "D", "not_a_firearm", "undetermined"]
# A reason is text; the engine's reasons are `wording.Msg` (a str that can also be said in the
# reader's language), kept as they are rather than copied into plain str.
Text = SkipValidation[str]


class FirearmFacts(BaseModel):
    """What is known about a firearm (or an essential component, with the firearm it fits)."""

    model_config = ConfigDict(extra="forbid", strict=False)

    kind: Kind | None = None
    action: Action | None = None
    ignition: Ignition | None = None
    smooth_bore: bool | None = None
    barrel_length_cm: float | None = Field(default=None, ge=0, le=1000)
    overall_length_cm: float | None = Field(default=None, ge=0, le=1000)
    magazine_capacity: int | None = Field(default=None, ge=0, le=10000)
    detachable_magazine: bool | None = None
    foldable_stock: bool | None = None
    converted_from_automatic: bool | None = None
    converted_to: ConvertedTo | None = None
    alarm_signal_device: bool | None = None
    meets_alarm_signal_specs: bool | None = None
    deactivated: bool | None = None
    deactivation_certified: bool | None = None
    disguised: bool | None = None
    military_explosive: bool | None = None
    resembles_automatic: bool | None = None
    ammunition: Ammunition | None = None
    placed_on_market: date | None = None
    component: ComponentKind | None = None

    def known(self) -> dict[str, Any]:
        """Return the facts that were given (not null)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


FACT_NAMES: tuple[str, ...] = tuple(FirearmFacts.model_fields)

# Observations a record's `facts` may hold besides the categorisation facts: signs of conversion.
OBSERVATIONS: dict[str, str] = {
    "barrel_drilled": N_("barrel drilled or bored out"),
    "barrel_replaced": N_("barrel replaced"),
    "barrel_obstruction_removed": N_("barrel obstruction removed"),
}


class Alternative(BaseModel):
    """Another outcome a provisional answer may turn into, and what would make it so."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    point: str
    if_: Text = Field(alias="if")


class CategoryResult(BaseModel):
    """A legal category with its Annex point, reasons, missing facts and rules version.

    An undetermined result may carry a provisional answer: the most likely point, with the
    alternatives the unknown facts could still lead to and what decides each.
    """

    category: Category
    point: str | None = None
    reasons: list[Text] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    rules_version: str
    provisional: str | None = None
    provisional_category: Category | None = None
    alternatives: list[Alternative] = Field(default_factory=list)
    reference: str | None = None
    contradictions: list[Text] = Field(default_factory=list)


def parse_facts(data: Any, *, where: str = "input") -> FirearmFacts:
    """Validate one JSON object of facts; unknown fields and bad values raise ValidationFailed."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            N_("%(where)s: expected a JSON object of facts, got %(name)s"),
            [{"field": where, "value": repr(data)[:80], "expected": "a JSON object"}],
            values={"where": where, "name": type(data).__name__},
        )
    try:
        return FirearmFacts.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or where
            if err["type"] == "extra_forbidden":
                expected = "no such field; known fields: " + ", ".join(FACT_NAMES)
            else:
                expected = err["msg"]
            problems.append(
                {"field": field, "value": repr(err.get("input"))[:80], "expected": expected}
            )
        detail = "; ".join(f"{p['field']} = {p['value']}: {p['expected']}" for p in problems)
        raise ValidationFailed(
            N_("%(where)s: invalid facts: %(detail)s"),
            problems,
            values={"where": where, "detail": detail},
        ) from None
