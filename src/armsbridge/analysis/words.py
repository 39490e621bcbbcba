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
