"""Pages of the map, hot spots and time views, and the map's GeoJSON export (thin)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from armsbridge.analysis import geography, reports
from armsbridge.analysis.map_data import (
    LAYER_LABELS,
    LAYERS,
    MapData,
    MapFilter,
    export_geojson,
    map_points,
)
from armsbridge.analysis.words import WEEKDAYS
from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reader = Annotated[Principal, Depends(require("record.read"))]
NO_STORE = {"Cache-Control": "no-store"}
DateQ = Annotated[str | None, Query(max_length=10)]
CodeQ = Annotated[str | None, Query(max_length=2)]
LayerQ = Annotated[list[str] | None, Query(max_length=20)]


def _filter(
    date_from: str | None,
    date_to: str | None,
    layer: list[str] | None,
    jurisdiction: str | None,
    handling_code: str | None,
) -> MapFilter:
    return MapFilter(
        date_from=date_from or None,
        date_to=date_to or None,
        layers=tuple(layer) if layer else LAYERS,
        jurisdiction=jurisdiction or None,
        handling_code=handling_code or None,
    ).check()


def map_filter(
    date_from: DateQ = None,
    date_to: DateQ = None,
    layer: LayerQ = None,
    jurisdiction: CodeQ = None,
    handling_code: CodeQ = None,
) -> MapFilter:
    """Return the filter of a map or trend page's query (the dependency of those routes)."""
    return _filter(date_from, date_to, layer, jurisdiction, handling_code)


Filter = Annotated[MapFilter, Depends(map_filter)]


def _points_json(data: MapData) -> str:
    rows = [
        {
            "layer": p.layer,
            "lat": p.lat,
            "lon": p.lon,
            "label": p.label,
            "kind": p.kind,
            "date": p.day,
            "time": p.time,
            "code": p.handling_code,
            "j": p.jurisdiction,
            "url": p.url,
        }
        for p in data.points
    ]
    return json.dumps(rows, ensure_ascii=False)


@router.get("/analysis/map")
def map_page(
    request: Request,
    db: DB,
    user: Reader,
    flt: Filter,
) -> Response:
    """Seizures, events, crossings and places on the offline base layer, with filters."""
    limit = geography.map_settings().max_points
    data = map_points(db, user=user, flt=flt, limit=limit)
    context = {
        "flt": flt,
        "data": data,
        "points_json": _points_json(data),
        "layers": LAYERS,
        "layer_labels": LAYER_LABELS,
        "limit": limit,
        "query": request.url.query,
    }
    return render(request, "analysis/map.html", context, headers=NO_STORE)


@router.get("/analysis/map.geojson")
def map_export(
    request: Request,
    db: DB,
    user: Reader,
    flt: Filter,
) -> Response:
    """The map's records as GeoJSON, marked with their strictest handling code (logged)."""
    limit = geography.map_settings().max_points
    collection = export_geojson(db, user=user, flt=flt, limit=limit)
    code = collection["marking"]["handling_code"] or "H0"
    name = f"map-{user.jurisdiction}-{code}-{date.today().isoformat()}.geojson"
    return Response(
        json.dumps(collection, ensure_ascii=False),
        media_type="application/geo+json",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/analysis/boundaries.geojson")
def boundaries_file(user: Reader) -> Response:
    """The base layer: country, municipality and region boundaries shipped with the node."""
    return Response(
        geography.boundaries_text(),
        media_type="application/geo+json",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.get("/analysis/hotspots")
def hotspots_page(
    request: Request,
    db: DB,
    user: Reader,
    train_from: DateQ = None,
    train_to: DateQ = None,
    test_from: DateQ = None,
    test_to: DateQ = None,
    layer: LayerQ = None,
    jurisdiction: CodeQ = None,
) -> Response:
    """Hot cells learnt on one period and their PAI on a later one, against two baselines."""
    _, last = reports.event_span(db, user=user)
    default_train, default_test = reports.default_periods(last)
    train = _filter(
        train_from or default_train.date_from,
        train_to or default_train.date_to,
        layer,
        jurisdiction,
        None,
    )
    test = _filter(
        test_from or default_test.date_from,
        test_to or default_test.date_to,
        layer,
        jurisdiction,
        None,
    )
    settings = geography.map_settings()
    report = reports.hotspot_report(db, user=user, train=train, test=test, settings=settings)
    cells = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [c.ring]},
                "properties": {"cell": c.cell, "rank": c.rank, "events": c.events},
            }
            for c in report.cells
        ],
    }
    context = {"report": report, "cells_json": json.dumps(cells), "layer_labels": LAYER_LABELS}
    return render(request, "analysis/map_hotspots.html", context, headers=NO_STORE)


@router.get("/analysis/trends")
def trends_page(
    request: Request,
    db: DB,
    user: Reader,
    flt: Filter,
) -> Response:
    """Monthly counts with rises and falls flagged, and the hour by weekday matrix."""
    report = reports.trend_report(db, user=user, flt=flt)
    chart = {
        "months": [m.month for m in report.months],
        "counts": [m.count for m in report.months],
        "baseline": [m.baseline for m in report.months],
    }
    peak = report.matrix.peak or 1
    levels = [[min(5, (5 * v + peak - 1) // peak) for v in row] for row in report.matrix.cells]
    context = {
        "flt": flt,
        "report": report,
        "chart_json": json.dumps(chart),
        "levels": levels,
        "weekdays": WEEKDAYS,
        "layers": LAYERS,
        "layer_labels": LAYER_LABELS,
    }
    return render(request, "analysis/map_trends.html", context, headers=NO_STORE)
