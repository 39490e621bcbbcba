"""Guided identification page: asks only the questions the category still depends on."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.firearms.answers import answer_facts
from armsbridge.firearms.assess import assess
from armsbridge.firearms.categories import load_rules
from armsbridge.firearms.explain import category_view, reference_view
from armsbridge.firearms.questions import (
    FORM_NAMES,
    PER_STEP,
    QUESTIONS,
    form_facts,
    form_names,
    problems_of,
    question,
)
from armsbridge.firearms.schemas import parse_facts
from armsbridge.firearms.service import identify
from armsbridge.firearms.wording import VALUE_LABELS, fact_value, say
from armsbridge.records.handling import marking
from armsbridge.records.labels import title_of
from armsbridge.records.pages import load, record_response
from armsbridge.web.access_log import log_now
from armsbridge.web.templating import formatter, render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reader = Annotated[Principal, Depends(require("record.read"))]
IDENTITY = ("make", "model", "calibre", "markings")


def _given(request: Request) -> tuple[dict[str, Any], dict[str, str]]:
    facts = form_facts(request.query_params)
    identity = {k: request.query_params.get(k, "").strip() for k in IDENTITY}
    return facts, identity


def _firearm_of(request: Request, db: Any, user: Principal) -> Any:
    """The firearm the page was opened for (`?firearm=ID`), read as the user may; else None."""
    raw = request.query_params.get("firearm", "").strip()
    if not raw.isdigit():
        return None
    return load(db, user, "firearm", int(raw), "record.read")


@router.get("/firearms/identify")
def identify_page(request: Request, db: DB, user: Reader) -> Response:
    """Identify a weapon step by step: its category, the reasons, and the next questions."""
    fmt = formatter(request)
    facts, identity = _given(request)
    firearm = _firearm_of(request, db, user)
    if firearm is not None:  # what the record says of itself, unless the form says otherwise
        for name in IDENTITY:
            identity[name] = identity[name] or (getattr(firearm, name) or "")
    problems: list[dict[str, str]] = []
    # The reference facts of the make, model and markings given fill the unanswered questions,
    # so the answer agrees with the reference entry shown beside it.
    read = {k: v or None for k, v in identity.items()}
    try:
        parsed = parse_facts(facts, where="answers")
    except ValidationFailed as exc:
        problems = problems_of(exc.problems, fmt.gettext)
        bad = {p["field"] for p in exc.problems}
        facts = {k: v for k, v in facts.items() if k not in bad}
        parsed = parse_facts(facts, where="answers")
    result = assess(parsed, **read)
    typed = parsed.known()
    order = list(QUESTIONS)
    # A changed answer is asked again even when the reference or the kind now fills it.
    asked = form_facts({name: "1" for name in request.query_params.getlist("ask")})
    ask = {name for name in asked if name in QUESTIONS}
    pending = [name for name in order if name in result.missing or name in ask]
    # Nothing given yet: start with the first questions. Once a make, model or marking is given,
    # only what the answer still depends on is asked (not what the reference already says).
    if not pending and not facts and not any(identity.values()):
        pending = order[:PER_STEP]
    keep = {**{k: v for k, v in identity.items() if v}, **facts}
    if firearm is not None:
        keep["firearm"] = str(firearm.id)
    answered = [
        {
            "name": k,
            "field": FORM_NAMES.get(k, k),
            "text": QUESTIONS.get(k, k),
            "value": v,
            "shown": say(fact_value(k, typed.get(k, v)), fmt.gettext, fmt.number),
            "change_url": "/firearms/identify?"
            + urlencode(
                form_names(
                    {**{key: val for key, val in keep.items() if key != k}, "ask": FORM_NAMES[k]}
                )
            ),
        }
        for k, v in sorted(facts.items(), key=lambda kv: order.index(kv[0]))
    ]
    response = render(
        request,
        "firearms/identify.html",
        {
            "result": result,
            "view": category_view(result, fmt.gettext, fmt.number),
            "questions": [question(name) for name in pending[:PER_STEP]],
            "answered": answered,
            "facts": facts,
            "identity": identity,
            "firearm": firearm,
            "title_of": title_of,
            "value_labels": VALUE_LABELS,
            # The service decides; the button is offered to those it would let save.
            "can_save": firearm is not None
            and role_allows(user.role, "record.update")
            and firearm.jurisdiction == user.jurisdiction
            and marking(db, "firearm", firearm.id) is None,
            "reference": identify(**read) if any(identity.values()) else None,
            "reference_facts": reference_view(fmt.gettext, fmt.number, **read),
            "problems": problems,
            "remaining": max(0, len(pending) - PER_STEP),
            # Rare features taken as absent: each can be stated, which may change the answer.
            "assumed": [
                {
                    "name": name,
                    "text": QUESTIONS[name],
                    "url": "/firearms/identify?" + urlencode(form_names({**keep, "ask": name})),
                }
                for name in load_rules().assumed_absent
                if name not in facts and name in QUESTIONS and name not in pending
            ],
        },
    )
    if firearm is not None:  # read like its own page: the consultation is logged
        log_now(
            request,
            db,
            user=user,
            action="consult",
            record_type="firearm",
            record_id=firearm.id,
            jurisdiction=firearm.jurisdiction,
        )
    return response


@router.post("/records/firearms/{firearm_id}/facts")
async def save_facts_page(request: Request, db: DB, user: Reader, firearm_id: int) -> Response:
    """Save answers to a firearm's missing facts; the records service decides who may."""
    form = await request.form()
    answers = form_facts(form)
    try:
        with db.begin_nested():
            answer_facts(db, firearm_id=firearm_id, answers=answers, user=user)
    except ValidationFailed as exc:
        problems = problems_of(exc.problems, formatter(request).gettext)
        extra = {"facts_problems": problems, "facts_values": {k: str(v) for k, v in form.items()}}
        return record_response(
            request, db, user, "firearms", firearm_id, extra=extra, status_code=422
        )
    return RedirectResponse(f"/records/firearms/{firearm_id}?saved=facts#category", 303)
