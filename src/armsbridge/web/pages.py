"""Pages of the web layer itself: dashboard, language choice, health check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select

from armsbridge.auth.dependencies import DB, public, require
from armsbridge.auth.pages import safe_next
from armsbridge.auth.permissions import record_types_for, restrict
from armsbridge.auth.principal import Principal
from armsbridge.records.handling import markings_of
from armsbridge.records.labels import TYPES
from armsbridge.records.models import RECORD_MODELS, Case
from armsbridge.web.i18n import normalise_language
from armsbridge.web.templating import LANGUAGE_COOKIE, LANGUAGE_PICKED_COOKIE, formatter, render

router = APIRouter(tags=["pages"], include_in_schema=False)

DASHBOARD_TYPES = ("case", "event", "firearm", "ammunition", "explosive", "person", "vehicle")


@router.get("/")
def dashboard(
    request: Request, db: DB, user: Annotated[Principal, Depends(require("dashboard.view"))]
) -> Response:
    """The first page after sign-in: counts of the records the user may see, recent cases."""
    readable = record_types_for(user.role, "read")
    counts = []
    for record_type in DASHBOARD_TYPES:
        if record_type not in readable:
            continue
        model = RECORD_MODELS[record_type]
        stmt = restrict(select(model.id), user, "record.read")
        count = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        slug, _singular, plural = TYPES[record_type]
        counts.append({"label": plural, "count": count, "href": f"/records/{slug}"})
    by_status: list[tuple[str, int]] = []
    recent: list[Case] = []
    if "case" in readable:
        cases = restrict(select(Case), user, "record.read").subquery()
        rows = db.execute(
            select(cases.c.status, func.count()).group_by(cases.c.status).order_by(cases.c.status)
        )
        fmt = formatter(request)
        by_status = [(fmt.enum("case_statuses", status), count) for status, count in rows]
        recent = list(
            db.scalars(
                restrict(select(Case), user, "record.read").order_by(Case.id.desc()).limit(8)
            )
        )
    return render(
        request,
        "web/dashboard.html",
        {
            "counts": counts,
            "cases_by_status": by_status,
            "recent_cases": recent,
            "marks": markings_of(db, [("case", c.id) for c in recent]),
        },
    )


@router.post("/language")
def choose_language(
    request: Request,
    db: DB,
    user: Annotated[Principal | None, Depends(public)],
    language: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Set the UI language: on the account when signed in, else in a cookie."""
    code = normalise_language(language)
    if user is not None:
        from armsbridge.auth.models import User

        account = db.get(User, user.id)
        if account is not None:
            account.language = code
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="strict", httponly=True
    )
    if user is None:
        response.set_cookie(LANGUAGE_PICKED_COOKIE, code, samesite="strict", httponly=True)
    return response


@router.get("/health")
def health(_: Annotated[Principal | None, Depends(public)]) -> Response:
    """Answer that the node is up (no data, no database query)."""
    return JSONResponse({"status": "ok"})
