"""Pages of the review queue: captures waiting by triage score, one capture's review, corrections.

The services hold the rules (monitoring.review: restrict, the decision, its audit entry and the
records; monitoring.hit_checks: the hit/no-hit query); the pages parse forms and render.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.db.keys import node_settings
from armsbridge.errors import UserError
from armsbridge.exchange import hits
from armsbridge.i18n_marker import N_
from armsbridge.monitoring import evidence, graph, hit_checks, review, service
from armsbridge.monitoring.corpus import LANGUAGES
from armsbridge.monitoring.pages import KIND_LABELS, NO_STORE
from armsbridge.web.templating import formatter, render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reviewer = Annotated[Principal, Depends(require(review.ACTION))]
LABELS = {"offer": N_("offer"), "wanted": N_("wanted"), "other": N_("other")}
LANGUAGE_LABELS = {
    "sq": N_("Albanian"),
    "mk": N_("Macedonian"),
    "sr": N_("Serbian"),
    "hr": N_("Croatian"),
    "bs": N_("Bosnian"),
    "en": N_("English"),
}
SCRIPT_LABELS = {"Latn": N_("Latin"), "Cyrl": N_("Cyrillic")}
FIELD_LABELS = {
    "phones": N_("Phone"),
    "handles": N_("Handle"),
    "prices": N_("Price"),
    "weapons": N_("Weapon"),
    "calibres": N_("Calibre"),
}
WEAPON_LABELS = {
    "pistol": N_("pistol"),
    "revolver": N_("revolver"),
    "rifle": N_("rifle"),
    "assault_rifle": N_("assault rifle"),
    "shotgun": N_("shotgun"),
    "submachine_gun": N_("submachine gun"),
    "grenade": N_("grenade"),
    "explosive": N_("explosive"),
    "ammunition": N_("ammunition"),
    "launcher": N_("launcher"),
    "part": N_("part"),
    "alarm_pistol": N_("alarm pistol"),
}
HIT_PROBLEMS = {
    "unavailable": N_("did not answer; try again later"),
    "budget": N_("today's hit/no-hit budget is used up"),
    "refused": N_("refused the query"),
    "no_peer": N_("no other service is connected"),
}
RECORD_LABELS = {
    "intel_report": N_("Listing (intelligence report)"),
    "phone": N_("Phone"),
    "online_account": N_("Online account"),
    "firearm": N_("Firearm"),
    "explosive": N_("Explosive"),
}
RECORD_SLUGS = {
    "intel_report": "intel-reports",
    "phone": "phones",
    "online_account": "online-accounts",
    "firearm": "firearms",
    "explosive": "explosives",
}


@router.get("/captures/queue")
def queue_page(request: Request, db: DB, user: Reviewer) -> Response:
    """The captures nobody reviewed yet, offers and requests first, by triage score."""
    rows = review.queue(db, user=user)
    context = {
        "rows": rows,
        "labels": LABELS,
        "languages": LANGUAGE_LABELS,
        "scripts": SCRIPT_LABELS,
        "kinds": KIND_LABELS,
    }
    return render(request, "monitoring/queue.html", context, headers=NO_STORE)


@router.get("/captures/queue/corrections.jsonl")
def corrections_download(request: Request, db: DB, user: Reviewer, all: bool = False) -> Response:
    """The corrected reviews as corpus lines (JSONL), to add to the triage corpus; logged."""
    lines = review.corpus_lines(db, user=user, include_confirmed=all)
    body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="corrections.jsonl"'}
    return Response(body, media_type="application/x-ndjson", headers=headers)


def _review_page(
    request: Request, db: DB, user: Principal, capture_id: int, *, error: UserError | None = None
) -> Response:
    settings = request.app.state.settings
    row, report = service.view_capture(db, settings=settings, user=user, capture_id=capture_id)
    context = {
        "row": row,
        "report": report,
        "triage": review.triage_of(row),
        "done": review.review_of(row),
        "items": review.items(row),
        "segments": review.segments(row),
        "answers": hit_checks.answers_of(row),
        "can_ask": role_allows(user.role, hits.ACTION),
        "can_graph": graph.may_write(user),
        "has_image": service.image_record(row) is not None,
        "fingerprint": evidence.fingerprint(row.public_key),
        "labels": LABELS,
        "languages": LANGUAGE_LABELS,
        "language_codes": LANGUAGES,
        "scripts": SCRIPT_LABELS,
        "fields": FIELD_LABELS,
        "weapon_kinds": WEAPON_LABELS,
        "hit_problems": HIT_PROBLEMS,
        "record_labels": RECORD_LABELS,
        "record_slugs": RECORD_SLUGS,
        "kinds": KIND_LABELS,
        "error": formatter(request).error(error) if error is not None else None,
    }
    status = error.status_code if error is not None else 200
    return render(request, "monitoring/review.html", context, status_code=status, headers=NO_STORE)


@router.get("/captures/{capture_id}/review")
def review_page(request: Request, db: DB, user: Reviewer, capture_id: int) -> Response:
    """One capture beside its extractions (each span marked), the review form, hit/no-hit."""
    return _review_page(request, db, user, capture_id)


Text = Annotated[str, Form(max_length=200)]


@router.post("/captures/{capture_id}/review")
def review_post(
    request: Request,
    db: DB,
    user: Reviewer,
    capture_id: int,
    label: Text = "",
    language: Text = "",
    keep: Annotated[list[str], Form(max_length=200)] = [],  # noqa: B006 - read, never mutated
    add_phones: Text = "",
    add_handles: Text = "",
    add_prices: Text = "",
    add_calibres: Text = "",
    add_weapon_kind: Text = "",
    add_weapon_make: Text = "",
    add_weapon_model: Text = "",
) -> Response:
    """Store the analyst's decision: label, language, extractions kept, removed and added."""
    typed = {
        "phones": add_phones,
        "handles": add_handles,
        "prices": add_prices,
        "calibres": add_calibres,
    }
    try:
        added: dict[str, list[object]] = {}
        for fld, raw in typed.items():
            if raw.strip():
                added[fld] = [
                    review.parse_added(fld, raw, language=language, jurisdiction=user.jurisdiction)
                ]
        if add_weapon_kind.strip():
            added["weapons"] = [
                review.weapon(add_weapon_kind.strip(), add_weapon_make, add_weapon_model)
            ]
        decision = review.Decision(label, language, keep=set(keep), added=added)
        with db.begin_nested():  # a refused decision leaves no record or link half made
            review.decide(db, user=user, capture_id=capture_id, decision=decision)
    except UserError as exc:
        return _review_page(request, db, user, capture_id, error=exc)
    return RedirectResponse(f"/captures/{capture_id}/review#decision", status_code=303)


@router.post("/captures/{capture_id}/hit")
def hit_post(
    request: Request,
    db: DB,
    user: Reviewer,
    capture_id: int,
    item: Annotated[str, Form(max_length=200)] = "",
    why: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Ask the other service whether it knows a phone or handle ("phone:+383...") of the capture."""
    kind, _, value = item.partition(":")
    try:
        hit_checks.ask(
            db,
            settings=node_settings(),
            user=user,
            capture_id=capture_id,
            kind=kind,
            value=value,
            why=why,
        )
    except UserError as exc:
        return _review_page(request, db, user, capture_id, error=exc)
    return RedirectResponse(f"/captures/{capture_id}/review#extractions", status_code=303)
