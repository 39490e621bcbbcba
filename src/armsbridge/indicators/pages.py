"""Indicators dashboard: the report's figures with charts, and its XLSX/PDF/IAFQ downloads."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from armsbridge.audit.service import log_event
from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.indicators.iafq import compute_iafq, write_iafq_xlsx
from armsbridge.indicators.pdf import write_indicators_pdf
from armsbridge.indicators.service import compute_report
from armsbridge.indicators.web import period_of
from armsbridge.indicators.xlsx import display_value, flatten, write_indicators_xlsx
from armsbridge.vocab.service import enum_values
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Aggregates = Annotated[Principal, Depends(require("aggregate.read"))]
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _charts(ind: dict[str, Any]) -> list[dict[str, Any]]:
    charts = []
    for dimension, tree in ind["breakdown"].items():
        pairs = flatten(tree)
        if "/" in dimension or len(pairs) < 2 or len(pairs) > 20:
            continue
        charts.append({"dimension": dimension, "series": [[k, v] for k, v in pairs]})
    return charts[:2]


@router.get("/indicators")
def dashboard(
    request: Request,
    db: DB,
    user: Aggregates,
    jurisdiction: str | None = None,
) -> Response:
    """The indicators of a period as figures, charts and tables, with downloads."""
    query = request.query_params
    start, end, code = period_of(query.get("from"), query.get("to"), jurisdiction)
    report = compute_report(db, date_from=start, date_to=end, jurisdiction=code)
    groups: dict[str, list[dict[str, Any]]] = {}
    for ind in report["indicators"]:
        ind["shown"] = display_value(ind)
        ind["charts"] = _charts(ind)
        ind["tables"] = {d: flatten(t) for d, t in ind["breakdown"].items()}
        groups.setdefault(ind["group"], []).append(ind)
    params = f"from={start}&to={end}" + (f"&jurisdiction={code}" if code else "")
    return render(
        request,
        "indicators/dashboard.html",
        {
            "report": report,
            "groups": groups,
            "start": start,
            "end": end,
            "code": code,
            "jurisdictions": enum_values("jurisdictions"),
            "params": params,
        },
    )


def _file(path: Path, name: str, media: str) -> Response:
    return Response(
        path.read_bytes(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/indicators/report.{fmt}")
def download(
    request: Request,
    db: DB,
    user: Aggregates,
    fmt: str,
    jurisdiction: str | None = None,
) -> Response:
    """The indicators report of the period as an XLSX workbook or a PDF."""
    if fmt not in MEDIA:
        return Response("unknown format", status_code=404)
    query = request.query_params
    start, end, code = period_of(query.get("from"), query.get("to"), jurisdiction)
    report = compute_report(db, date_from=start, date_to=end, jurisdiction=code)
    log_event(
        db,
        actor=user.username,
        actor_jurisdiction=user.jurisdiction,
        action="export",
        jurisdiction=code,
        details={"report": f"indicators.{fmt}", "from": str(start), "to": str(end)},
    )
    writer = write_indicators_xlsx if fmt == "xlsx" else write_indicators_pdf
    with tempfile.TemporaryDirectory() as tmp:
        path = writer(report, Path(tmp) / f"report.{fmt}")
        return _file(path, f"indicators-{start}-{end}.{fmt}", MEDIA[fmt])


@router.get("/indicators/iafq.xlsx")
def iafq(request: Request, db: DB, user: Aggregates, jurisdiction: str | None = None) -> Response:
    """The UNODC IAFQ tables of the period as an XLSX workbook."""
    query = request.query_params
    start, end, code = period_of(query.get("from"), query.get("to"), jurisdiction)
    tables = compute_iafq(db, date_from=start, date_to=end, jurisdiction=code)
    log_event(
        db,
        actor=user.username,
        actor_jurisdiction=user.jurisdiction,
        action="export",
        jurisdiction=code,
        details={"report": "iafq.xlsx", "from": str(start), "to": str(end)},
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = write_iafq_xlsx(tables, Path(tmp) / "iafq.xlsx")
        return _file(path, f"iafq-{start}-{end}.xlsx", MEDIA["xlsx"])
