"""Pages of joint border patrols: the overview with the plan form, one patrol with its reports.

Thin: the forms post to routes that call exchange.patrols; a refused form is shown again with
what was typed and the fields at fault. Seeing and reporting patrols needs `patrol.work`,
planning and cancelling `operation.manage` (exchange.patrols checks both again).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import UserError
from armsbridge.exchange import operations as ops
from armsbridge.exchange import patrols
from armsbridge.exchange.operation_models import LiveOperation
from armsbridge.exchange.operation_work import may_see_work
from armsbridge.exchange.service import node_row
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reader = Annotated[Principal, Depends(require("patrol.work"))]
Manager = Annotated[Principal, Depends(require("operation.manage"))]
PLAN_FIELDS = ("op_id", "place", "area", "starts_at", "ends_at", "basis")
REPORT_FIELDS = (
    "started_at",
    "ended_at",
    "route",
    "persons_checked",
    "vehicles_checked",
    "hits",
    "seizures",
    "firearms_seized",
    "notes",
)


def _open_operations(db: DB, user: Principal) -> list[LiveOperation]:
    """Operations this side may still plan patrols in, and whose work `user` sees."""
    node = node_row(db)
    me = node.jurisdiction if node else ""
    return [
        op
        for op in ops.list_operations(db)
        if op.state in ops.OPEN_STATES
        and me not in (op.closures or {})
        and may_see_work(db, op, user=user)
    ]


def _period(request: Request) -> tuple[date | None, date | None]:
    since = ops.parse_day(request.query_params.get("from") or None, "from")
    until = ops.parse_day(request.query_params.get("to") or None, "to")
    return since, until


def _overview(
    request: Request,
    db: DB,
    user: Principal,
    *,
    form: dict[str, Any] | None = None,
    error: UserError | None = None,
) -> Response:
    since, until = _period(request)
    shown = [
        (op, view)
        for op in ops.list_operations(db)
        for view in patrols.patrols_of(db, op, user=user)
    ]
    shown.sort(key=lambda pair: str(pair[1].body.get("starts_at")), reverse=True)
    prefill = {name: request.query_params.get(name, "") for name in PLAN_FIELDS}
    return render(
        request,
        "exchange/patrols.html",
        {
            "shown": shown,
            "results": patrols.patrol_results(db, user=user, since=since, until=until),
            "since": since,
            "until": until,
            "operations": _open_operations(db, user),
            "crossings": patrols.crossing_points(),
            "green_border": patrols.GREEN_BORDER,
            "place_label": patrols.place_label,
            "moment": patrols.moment_of,
            "form": form if form is not None else prefill,
            "error": error,
            "can_manage": role_allows(user.role, "operation.manage"),
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/patrols")
def patrols_page(request: Request, db: DB, user: Reader) -> Response:
    """Joint patrols of every operation the user sees, their results by place, the plan form.

    The plan form takes its first values from the address (op_id, place, starts_at, ends_at,
    basis), so a risk profile links to a patrol planned where and when it points.
    """
    return _overview(request, db, user)


@router.post("/patrols")
async def plan_page(request: Request, db: DB, user: Manager) -> Response:
    """Plan a patrol in the operation chosen on the form."""
    form = await request.form()
    data = {name: str(form.get(name, "")) for name in PLAN_FIELDS}
    officers = {side: str(form.get(f"officers_{side}", "")) for side in ("XK", "MK")}
    try:
        with db.begin_nested():
            patrol = patrols.plan_patrol(
                db, user=user, op_id=data["op_id"], data={**data, "officers": officers}
            )
    except UserError as exc:
        kept = {**data, **{f"officers_{s}": v for s, v in officers.items()}}
        return _overview(request, db, user, form=kept, error=exc)
    return RedirectResponse(f"/patrols/{data['op_id']}/{patrol.item_id}", status_code=303)


def _patrol_page(
    request: Request,
    db: DB,
    user: Principal,
    op_id: str,
    item_id: str,
    *,
    form: dict[str, Any] | None = None,
    error: UserError | None = None,
) -> Response:
    op = ops.get_operation(db, op_id)
    view = patrols.patrol_view(db, op, item_id, user=user)
    node = node_row(db)
    me = node.jurisdiction if node else ""
    try:
        ops.check_open_for(op, me)
        open_here = True
    except UserError:
        open_here = False
    return render(
        request,
        "exchange/patrol.html",
        {
            "op": op,
            "view": view,
            "me": me,
            "place_label": patrols.place_label,
            "moment": patrols.moment_of,
            "green_border": patrols.GREEN_BORDER,
            "can_report": open_here and view.body.get("status") != "cancelled",
            "can_cancel": open_here
            and role_allows(user.role, "operation.manage")
            and view.item.side == me
            and view.body.get("status") != "cancelled",
            "form": form if form is not None else {},
            "error": error,
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/patrols/{op_id}/{item_id}")
def patrol_page(request: Request, db: DB, user: Reader, op_id: str, item_id: str) -> Response:
    """One patrol: its plan, both sides' reports, the form to report this side's part."""
    return _patrol_page(request, db, user, op_id, item_id)


@router.post("/patrols/{op_id}/{item_id}/report")
async def report_page(request: Request, db: DB, user: Reader, op_id: str, item_id: str) -> Response:
    """Report this side's part of the patrol (again: the new report replaces the first)."""
    form = await request.form()
    data = {name: str(form.get(name, "")) for name in REPORT_FIELDS}
    try:
        with db.begin_nested():
            patrols.report_patrol(db, user=user, op_id=op_id, item_id=item_id, data=data)
    except UserError as exc:
        return _patrol_page(request, db, user, op_id, item_id, form=data, error=exc)
    return RedirectResponse(f"/patrols/{op_id}/{item_id}", status_code=303)


@router.post("/patrols/{op_id}/{item_id}/cancel")
def cancel_page(db: DB, user: Manager, op_id: str, item_id: str) -> Response:
    """Cancel a patrol this side planned."""
    patrols.cancel_patrol(db, user=user, op_id=op_id, item_id=item_id)
    return RedirectResponse(f"/patrols/{op_id}/{item_id}", status_code=303)
