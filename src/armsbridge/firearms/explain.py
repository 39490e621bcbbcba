"""A firearm's category, reasons, reference facts and conversion check, said in the reader's
language for its page and the guided identification (each said once)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from armsbridge.firearms.categories import POINT_TEXT, load_rules
from armsbridge.firearms.conversion import ConversionCheck
from armsbridge.firearms.derive import categorize_record
from armsbridge.firearms.provisional import if_alternative
from armsbridge.firearms.questions import questions_for
from armsbridge.firearms.reference import find_entry
from armsbridge.firearms.schemas import CategoryResult
from armsbridge.firearms.service import stored_result
from armsbridge.firearms.wording import Msg, entry_title, fact_name, fact_value, say
from armsbridge.records.models import Firearm

Gettext = Callable[[str], str]


def current_result(firearm: Firearm) -> CategoryResult:
    """The firearm's stored category, with its reasons in words when the same rules computed it."""
    stored = stored_result(firearm)
    live = categorize_record(firearm)
    same = (live.rules_version, live.category, live.point) == (
        stored.rules_version,
        stored.category,
        stored.point,
    )
    return live if same else stored


def _point_meanings() -> dict[str, str]:
    return {str(r["point"]): r["text"] for r in load_rules().rules if r.get("point")}


def _is_point(reason: Any, point: str | None) -> bool:
    return (
        isinstance(reason, Msg) and reason.msgid == POINT_TEXT and reason.params["point"] == point
    )


def category_view(result: CategoryResult, gettext: Gettext, number: Callable = str) -> dict:
    """The category panel: the answer, what its point means, the reasons, what is missing."""

    def said(message: Any) -> str:
        return say(message, gettext, number)

    shown_point = result.point or result.provisional
    meaning = None
    headline = next((r for r in result.reasons if _is_point(r, shown_point)), None)
    if isinstance(headline, Msg):
        meaning = said(headline.params["text"])
    elif shown_point in _point_meanings():
        meaning = said(Msg(_point_meanings()[shown_point]))
    elif result.category == "not_a_firearm" and result.reasons:
        meaning = said(result.reasons[0])
        headline = result.reasons[0]
    contradictions = {str(c) for c in result.contradictions}
    reasons = [
        said(r)
        for r in result.reasons
        if r is not headline
        and not _is_point(r, shown_point)
        and str(r) not in contradictions
        and not str(r).startswith("provisional answer:")
    ]
    return {
        "category": result.category,
        "point": result.point,
        "provisional": result.provisional,
        "provisional_category": result.provisional_category,
        "provisional_label": said(fact_value("", result.provisional))
        if result.provisional
        else None,
        "meaning": meaning,
        "reasons": reasons,
        "alternatives": [said(if_alternative(a)) for a in result.alternatives],
        "contradictions": [said(c) for c in result.contradictions],
        "missing": [said(fact_name(n)) for n in result.missing],
        "questions": questions_for(result.missing),
        "reference": result.reference,
        "rules_version": result.rules_version,
    }


def reference_view(
    gettext: Gettext,
    number: Callable = str,
    *,
    make: str | None = None,
    model: str | None = None,
    calibre: str | None = None,
    markings: str | None = None,
) -> dict | None:
    """The reference entry a firearm points to, each of its facts with its own source."""
    entry = find_entry(make, model, calibre, markings)
    if entry is None:
        return None
    rows = [
        {
            "name": name,
            "fact": say(fact_name(name), gettext, number),
            "value": say(fact_value(name, value), gettext, number),
            "source": gettext(source),
            "verified": verified,
        }
        for name, (value, source, verified) in entry.facts().items()
    ]
    return {
        "title": say(entry_title(entry.make, entry.model), gettext, number),
        "blank_firing": entry.blank_firing,
        "notes": gettext(entry.notes) if entry.notes else "",
        "source": gettext(entry.source),
        "verified": entry.verified,
        "facts": rows,
    }


def conversion_view(check: ConversionCheck, gettext: Gettext, number: Callable = str) -> dict:
    """The conversion check: the flag, and each indicator present (with what was found) or not."""
    return {
        "suspected": check.suspected,
        "summary": gettext(check.summary),
        "indicators": [
            {
                "label": gettext(i.label),
                "side": i.side,
                "present": i.present,
                "found": [say(f, gettext, number) for f in i.found],
            }
            for i in check.indicators
        ],
    }
