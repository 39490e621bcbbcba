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
from armsbridge.indicators.labels import localise_report
from armsbridge.indicators.pdf import write_indicators_pdf
from armsbridge.indicators.service import compute_report
from armsbridge.indicators.web import period_of
from armsbridge.indicators.xlsx import write_indicators_xlsx
from armsbridge.vocab.service import enum_values
from armsbridge.web.templating import formatter, render

router = APIRouter(tags=["pages"], include_in_schema=False)
Aggregates = Annotated[Principal, Depends(require("aggregate.read"))]
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _charts(ind: dict[str, Any]) -> list[dict[str, Any]]:
    charts = []
    for part in ind["breakdowns"]:
        pairs = part["pairs"]
        if part["nested"] or len(pairs) < 2 or len(pairs) > 20:
            continue
        charts.append({"dimension": part["label"], "series": [[k, v] for k, v in pairs]})
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
    computed = compute_report(db, date_from=start, date_to=end, jurisdiction=code)
    report = localise_report(computed, formatter(request))
    groups: dict[str, list[dict[str, Any]]] = {}
    for ind in report["indicators"]:
        ind["charts"] = _charts(ind)
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
            "jurisdictions": {
                c: formatter(request).gettext(label)
                for c, label in enum_values("jurisdictions").items()
            },
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
    """The indicators report of the period as an XLSX workbook or a PDF, in the user's language."""
    if fmt not in MEDIA:
        return Response(
            formatter(request).gettext("Unknown format: ask for XLSX or PDF."), status_code=404
        )
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
        path = writer(report, Path(tmp) / f"report.{fmt}", formatter(request))
        return _file(path, f"indicators-{start}-{end}.{fmt}", MEDIA[fmt])


@router.get("/indicators/iafq.xlsx")
def iafq(request: Request, db: DB, user: Aggregates, jurisdiction: str | None = None) -> Response:
    """The UNODC IAFQ tables of the period as an XLSX workbook, in the user's language."""
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
        path = write_iafq_xlsx(tables, Path(tmp) / "iafq.xlsx", formatter(request))
        return _file(path, f"iafq-{start}-{end}.xlsx", MEDIA["xlsx"])
