"""Guided identification page: asks only the questions the category still depends on."""

from __future__ import annotations

from typing import Annotated, Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from armsbridge.auth.dependencies import require
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.firearms.assess import assess
from armsbridge.firearms.categories import load_rules
from armsbridge.firearms.schemas import FACT_NAMES, FirearmFacts, parse_facts
from armsbridge.firearms.service import identify
from armsbridge.i18n_marker import N_
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reader = Annotated[Principal, Depends(require("record.read"))]

# Questions in the order an examiner answers them; only those still missing are asked, a few
# at a time.
QUESTIONS: dict[str, str] = {
    "kind": N_("What kind of weapon is it?"),
    "action": N_("How does it fire and reload?"),
    "alarm_signal_device": N_("Is it an alarm or signal (blank-firing) device?"),
    "meets_alarm_signal_specs": N_(
        "Does it meet Implementing Directive 2019/69 (barrel obstruction, not convertible)?"
    ),
    "deactivated": N_("Has it been deactivated?"),
    "deactivation_certified": N_("Is the deactivation certified under Regulation 2015/2403?"),
    "ignition": N_("Centre-fire or rimfire?"),
    "barrel_length_cm": N_("Barrel length (cm)?"),
    "overall_length_cm": N_("Overall length (cm)?"),
    "magazine_capacity": N_("How many rounds does the magazine (loading device) hold?"),
    "detachable_magazine": N_("Is the magazine detachable?"),
    "foldable_stock": N_(
        "Can it be shortened below 60 cm (folding, telescoping or removable stock) and still fire?"
    ),
    "smooth_bore": N_("Is the barrel smooth-bore (not rifled)?"),
    "placed_on_market": N_("When was it placed on the market (yyyy-mm-dd)?"),
    "converted_from_automatic": N_("Was it converted from automatic to semi-automatic?"),
    "converted_to": N_("Was it converted to fire blanks, or into a salute/acoustic weapon?"),
    "resembles_automatic": N_("Does it resemble an automatic weapon?"),
    "disguised": N_("Is it disguised as another object?"),
    "military_explosive": N_("Is it an explosive military missile or launcher?"),
    "ammunition": N_("Is the item ammunition with special projectiles?"),
    "component": N_("Is the item an essential component of a firearm?"),
}
PER_STEP = 3
IDENTITY = ("make", "model", "calibre", "markings")


def _widget(name: str) -> dict[str, Any]:
    field = FirearmFacts.model_fields[name]
    text = str(field.annotation)
    if "Literal" in text:
        return {"widget": "select", "options": _literal_values(field.annotation)}
    if "bool" in text:
        return {"widget": "yesno", "options": ["true", "false"]}
    if "date" in text:
        return {"widget": "date", "options": []}
    return {"widget": "number", "options": []}


def _literal_values(annotation: Any) -> list[str]:
    out: list[str] = []
    for arg in get_args(annotation):
        if isinstance(arg, str):
            out.append(arg)
        else:
            out.extend(_literal_values(arg))
    return out


def _given(request: Request) -> tuple[dict[str, Any], dict[str, str]]:
    facts = {k: v for k, v in request.query_params.items() if k in FACT_NAMES and v.strip() != ""}
    identity = {k: request.query_params.get(k, "").strip() for k in IDENTITY}
    return facts, identity


@router.get("/firearms/identify")
def identify_page(request: Request, user: Reader) -> Response:
    """Identify a weapon step by step: its category, the reasons, and the next questions."""
    facts, identity = _given(request)
    problems: list[dict[str, str]] = []
    # The reference facts of the make, model and markings given fill the unanswered questions,
    # so the answer agrees with the reference entry shown beside it.
    read = {k: v or None for k, v in identity.items()}
    try:
        result = assess(parse_facts(facts, where="answers"), **read)
    except ValidationFailed as exc:
        problems = exc.problems
        bad = {p["field"] for p in problems}
        facts = {k: v for k, v in facts.items() if k not in bad}
        result = assess(parse_facts(facts, where="answers"), **read)
    order = list(QUESTIONS)
    # A changed answer is asked again even when the reference or the kind now fills it.
    ask = {name for name in request.query_params.getlist("ask") if name in QUESTIONS}
    pending = [name for name in order if name in result.missing or name in ask]
    # Nothing given yet: start with the first questions. Once a make, model or marking is given,
    # only what the answer still depends on is asked (not what the reference already says).
    if not pending and not facts and not any(identity.values()):
        pending = order[:PER_STEP]
    questions = [
        {"name": name, "text": QUESTIONS[name], **_widget(name)} for name in pending[:PER_STEP]
    ]
    reference = (
        identify(**{k: v or None for k, v in identity.items()}) if any(identity.values()) else None
    )
    keep = {**{k: v for k, v in identity.items() if v}, **facts}
    answered = [
        {
            "name": k,
            "text": QUESTIONS.get(k, k),
            "value": v,
            "change_url": "/firearms/identify?"
            + urlencode({**{key: val for key, val in keep.items() if key != k}, "ask": k}),
        }
        for k, v in sorted(facts.items(), key=lambda kv: order.index(kv[0]))
    ]
    return render(
        request,
        "firearms/identify.html",
        {
            "result": result,
            "questions": questions,
            "answered": answered,
            "facts": facts,
            "identity": identity,
            "reference": reference,
            "problems": problems,
            "remaining": max(0, len(pending) - PER_STEP),
            # Rare features taken as absent: each can be stated, which may change the answer.
            "assumed": [
                {
                    "name": name,
                    "text": QUESTIONS[name],
                    "url": "/firearms/identify?" + urlencode({**keep, "ask": name}),
                }
                for name in load_rules().assumed_absent
                if name not in facts and name in QUESTIONS and name not in pending
            ],
        },
    )
