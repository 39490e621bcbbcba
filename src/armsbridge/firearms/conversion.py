"""Conversion check of one firearm: every indicator, present or absent, and the flag they raise.

A blank-firing weapon (by its model, calibre, markings or record) with a sign of conversion (a
modified barrel, live ammunition seized with it, a live calibre on a blank model, ...) is
suspected of conversion to live fire; a record stating the conversion is flagged in any case.
The same evaluation applies to both services' records: markings and makes are read across
scripts (ПТБ is PTB, Зораки is Zoraki).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from armsbridge.firearms.calibre import is_blank_calibre, normalise_calibre
from armsbridge.firearms.reference import lookup_model, parse_markings
from armsbridge.firearms.schemas import OBSERVATIONS
from armsbridge.firearms.wording import Msg, entry_title
from armsbridge.i18n_marker import N_
from armsbridge.records.models import Firearm

# One live lot as the check reads it: (id, event_id, case_id, calibre, quantity).
Lot = tuple[int, int | None, int | None, str, int]


@dataclass
class Indicator:
    """One indicator of the check: what it is, which side it belongs to, and what was found."""

    label: str
    side: str  # "blank" (a blank-firing weapon) or "conversion" (a sign of conversion)
    found: list[str] = field(default_factory=list)

    @property
    def present(self) -> bool:
        """Whether anything was found for this indicator."""
        return bool(self.found)


@dataclass
class ConversionCheck:
    """The indicators of one firearm and the flag they raise."""

    suspected: bool
    summary: str
    indicators: list[Indicator]
    evidence: list[str]


def _blank_indicators(firearm: Firearm) -> list[Indicator]:
    model = Indicator(N_("Blank-firing model in the reference table"), "blank")
    ref = lookup_model(firearm.make, firearm.model, firearm.calibre)
    if ref and ref.blank_firing:
        state = "" if ref.verified else ", unverified"
        named = f"{firearm.make or ''} {firearm.model or ''}".strip()
        model.found.append(
            Msg(
                f"{named}: blank-firing model known to be converted ({ref.source}{state})",
                N_("%(model)s: blank-firing model known to be converted (%(source)s)")
                if ref.verified
                else N_(
                    "%(model)s: blank-firing model known to be converted (%(source)s; unverified)"
                ),
                model=named,
                source=Msg(ref.source),
            )
        )
    calibre = Indicator(N_("Blank cartridge calibre"), "blank")
    if firearm.calibre and is_blank_calibre(firearm.calibre):
        calibre.found.append(
            Msg(
                f"calibre {firearm.calibre!r} is a blank cartridge",
                N_("calibre “%(calibre)s” is a blank cartridge"),
                calibre=firearm.calibre,
            )
        )
    marks = Indicator(N_("Blank or alarm marking (PTB, P.A.K., ...)"), "blank")
    for mark in parse_markings(firearm.markings):
        if mark.blank and mark.kind != "calibre":
            marks.found.append(_marking(mark.text, mark.meaning))
    device = Indicator(N_("Recorded as an alarm or signal device"), "blank")
    if (firearm.facts or {}).get("alarm_signal_device"):
        device.found.append(
            Msg("recorded as an alarm/signal device", N_("recorded as an alarm or signal device"))
        )
    return [model, calibre, marks, device]


def _conversion_indicators(firearm: Firearm, lots: list[Lot]) -> list[Indicator]:
    barrel = Indicator(N_("Marking of a drilled, bored or replaced barrel"), "conversion")
    for mark in parse_markings(firearm.markings):
        if mark.conversion:
            barrel.found.append(_marking(mark.text, mark.meaning))
    facts = firearm.facts or {}
    observed = Indicator(N_("Modification recorded (barrel drilled, replaced, ...)"), "conversion")
    observed.found += [
        Msg(f"{text} (recorded)", N_("%(what)s (recorded)"), what=Msg(text))
        for key, text in OBSERVATIONS.items()
        if facts.get(key)
    ]
    specs = Indicator(N_("Alarm device that fails Implementing Directive 2019/69"), "conversion")
    if facts.get("alarm_signal_device") and facts.get("meets_alarm_signal_specs") is False:
        specs.found.append(
            Msg(
                "alarm/signal device that fails Implementing Directive 2019/69",
                N_("alarm or signal device that fails Implementing Directive 2019/69"),
            )
        )
    live = Indicator(N_("Live ammunition seized with it (same event or case)"), "conversion")
    for lot_id, event_id, _case_id, lot_calibre, quantity in lots:
        same_event = firearm.event_id is not None and event_id == firearm.event_id
        where = "same event" if same_event else "same case"
        name = normalise_calibre(lot_calibre)
        live.found.append(
            Msg(
                f"live ammunition {name} x{quantity} (ammunition lot {lot_id}, {where})",
                N_("live ammunition %(calibre)s × %(quantity)s (lot %(lot)s, same event)")
                if same_event
                else N_("live ammunition %(calibre)s × %(quantity)s (lot %(lot)s, same case)"),
                calibre=name,
                quantity=quantity,
                lot=str(lot_id),
            )
        )
    calibre = Indicator(N_("Live calibre recorded on a blank-firing model"), "conversion")
    ref = lookup_model(firearm.make, firearm.model, firearm.calibre)
    if ref and ref.blank_firing and firearm.calibre and not is_blank_calibre(firearm.calibre):
        ours = normalise_calibre(firearm.calibre)
        if ours and ours != normalise_calibre(ref.calibre):
            calibre.found.append(
                Msg(
                    f"calibre {firearm.calibre!r} on {ref.title}, "
                    f"a {ref.calibre} blank-firing model",
                    N_("calibre “%(calibre)s” on %(model)s, a %(blank)s blank-firing model"),
                    calibre=firearm.calibre,
                    model=entry_title(ref.make, ref.model),
                    blank=ref.calibre,
                )
            )
    return [barrel, observed, specs, live, calibre]


def evaluate(firearm: Firearm, lots: list[Lot]) -> ConversionCheck:
    """Evaluate every conversion indicator of a firearm and the flag they raise."""
    blank = _blank_indicators(firearm)
    signs = _conversion_indicators(firearm, lots)
    recorded = Indicator(N_("Recorded as converted from blank-firing to live"), "record")
    if firearm.converted and firearm.conversion_kind == "blank_to_live":
        recorded.found.append(
            Msg(
                "recorded as converted from blank-firing to live",
                N_("recorded as converted from blank-firing to live"),
            )
        )
    is_blank = any(i.present for i in blank)
    has_sign = any(i.present for i in signs)
    suspected = (is_blank and has_sign) or recorded.present
    if recorded.present:
        summary = N_("Raised: the record states a conversion from blank-firing to live.")
    elif suspected:
        summary = N_("Raised: a blank-firing weapon with a sign of conversion.")
    elif is_blank:
        summary = N_("Not raised: a blank-firing weapon, but no sign of conversion was found.")
    elif has_sign:
        summary = N_("Not raised: a sign of conversion, but nothing marks it as blank-firing.")
    else:
        summary = N_("Not raised: nothing marks it as a blank-firing weapon.")
    evidence: list[str] = []
    if suspected:
        evidence = [f for i in (recorded, *blank, *signs) for f in i.found]
    return ConversionCheck(suspected, summary, [recorded, *blank, *signs], evidence)


def _marking(text: str, meaning: str) -> Msg:
    return Msg(
        f"marking {text!r}: {meaning}",
        N_("marking “%(marking)s”: %(meaning)s"),
        marking=text,
        meaning=Msg(meaning),
    )


def as_dict(check: ConversionCheck) -> dict[str, Any]:
    """Return a check as plain data (pages, API)."""
    return {
        "suspected": check.suspected,
        "summary": check.summary,
        "evidence": check.evidence,
        "indicators": [
            {"label": i.label, "side": i.side, "present": i.present, "found": i.found}
            for i in check.indicators
        ],
    }
