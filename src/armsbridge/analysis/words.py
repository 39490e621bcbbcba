"""Words the analysis pages and PDFs share: weekdays, handling codes, profile headings, values."""

from __future__ import annotations

from typing import Any

from armsbridge.i18n_marker import N_
from armsbridge.web.i18n import Formatter

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
SECTION_TITLES = {
    "summary": N_("Summary"),
    "assessment": N_("Assessment"),
    "recommendations": N_("Recommendations"),
}
WEAPON_TITLES = {
    "kinds": N_("Weapons by kind"),
    "categories": N_("Weapons by legal category"),
    "conversions": N_("Conversions"),
    "models": N_("Makes and models"),
}
HELD_TITLES = {
    "firearm": N_("Weapons"),
    "vehicle": N_("Vehicles"),
    "phone": N_("Phones"),
    "online_account": N_("Online accounts"),
}
LINK_WORDS = {
    "shared_case": N_("a shared case"),
    "involved_in": N_("Involved in"),
    "owner_of": N_("Owner of"),
    "user_of": N_("User of"),
    "seized_from": N_("Seized from"),
    "member_of": N_("Member of"),
    "associate_of": N_("Associate of"),
    "called": N_("Called"),
    "travelled_in": N_("Travelled in"),
    "crossed_at": N_("Crossed at"),
    "part_of": N_("Part of"),
    "mentioned_in": N_("Mentioned in"),
    "other": N_("Other"),
}
WORDS = {
    ("change", "rise"): N_("rise"),
    ("change", "fall"): N_("fall"),
    ("status", "draft"): N_("draft"),
    ("status", "final"): N_("final"),
    ("conversions", "suspected"): N_("suspected (not confirmed)"),
}
CATEGORY_WORDS = {
    "A": N_("category A"),
    "B": N_("category B"),
    "C": N_("category C"),
    "D": N_("category D"),
}
CODE_LABELS = {
    "H0": N_("H0: crime prevention only"),
    "H1": N_("H1: not for judicial use without permission"),
    "H2": N_("H2: no further dissemination"),
    "H3": N_("H3: other restrictions"),
}


def value_words(fmt: Formatter, key: str, value: Any) -> str:
    """Return a profile's value in words: a kind, a category, a weekday, a verdict, a status."""
    _ = fmt.gettext
    if value in (None, "", "unknown"):
        return _("not recorded")
    if key == "weekday":
        return _(WEEKDAYS[int(value)])
    if key == "kinds":
        return fmt.enum("firearm_kinds", value)
    if key == "categories":
        return _(CATEGORY_WORDS.get(value, value))
    if (key, value) in WORDS:
        return _(WORDS[(key, value)])
    if key == "conversions":
        return fmt.enum("conversion_kinds", value)
    return str(value)


def marking_words(fmt: Formatter, row: Any) -> str:
    """Return the marking line of a product: its code in words, its H3 text, its providers."""
    _ = fmt.gettext
    line = _(CODE_LABELS.get(row.handling_code, row.handling_code))
    if row.handling_restriction:
        line += f" ({row.handling_restriction})"
    providers = (row.content or {}).get("marking", {}).get("providers") or []
    if providers:
        line += " · " + _(
            "includes records received from %(providers)s",
            providers=", ".join(fmt.enum("jurisdictions", p) for p in providers),
        )
    return line


KIND_TITLES = {
    "problem": N_("Problem profile"),
    "subject": N_("Subject profile"),
    "risk": N_("Risk profile"),
}
DIMENSION_TITLES = {
    "threat": N_("Threat: who and what crosses"),
    "vulnerability": N_("Vulnerability: where and when the border is weak"),
}
INDICATOR_WORDS = {
    "night (22:00-04:59)": N_("At night (22:00 to 04:59)"),
    "weekend": N_("At the weekend"),
    "young man alone": N_("A young man (18 to 25) travelling alone"),
    "driver known to the police": N_("Driver known to the police"),
    "8+ crossings in 30 days": N_("8 or more crossings in 30 days"),
}


def kind_words(fmt: Formatter, kind: str) -> str:
    """Return the name of a kind of product (problem, subject or risk profile)."""
    return fmt.gettext(KIND_TITLES.get(kind, kind))


def indicator_words(fmt: Formatter, name: str, place: Any) -> str:
    """Return a risk indicator in words; `place(code, language)` names a crossing point."""
    _ = fmt.gettext
    key, _sep, value = name.partition("=")
    if key == "crossing":
        return _("Through %(crossing)s", crossing=place(value, fmt.language))
    if key == "vehicle":
        return _("Vehicle: %(kind)s", kind=fmt.enum("passage_vehicles", value))
    if key == "registration":
        if value == "other":
            return _("Registered in another country")
        return _("Registered in %(country)s", country=fmt.country(value))
    return _(INDICATOR_WORDS[name]) if name in INDICATOR_WORDS else name


def per_10k(fmt: Formatter, rate: float | None) -> str:
    """Return a seizure rate as seizures per 10,000 passages, in this language's digits."""
    if rate is None:
        return "-"
    return fmt.number(round(rate * 10_000, 1))


def window_words(start: int, hours: int) -> str:
    """Return a time window as "22:00-02:00"."""
    return f"{start:02d}:00-{(start + hours) % 24:02d}:00"
