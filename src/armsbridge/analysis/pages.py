"""The link chart page and its data routes (JSON for the chart script, files for exports)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from armsbridge.analysis import exports, paths, service
from armsbridge.analysis.words import CODE_LABELS
from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.permissions import restrict, role_allows
from armsbridge.auth.principal import Principal
from armsbridge.errors import NotFound, ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.records import linking, marks, reading
from armsbridge.records.labels import TYPES, page_title_of
from armsbridge.records.models import Case
from armsbridge.web.access_log import log_now
from armsbridge.web.notice import redirect_with_notice
from armsbridge.web.templating import formatter, render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reader = Annotated[Principal, Depends(require("record.read"))]
Saver = Annotated[Principal, Depends(require("record.update"))]
NO_STORE = {"Cache-Control": "no-store"}
Many = Annotated[list[str], Query(max_length=200)]


def _filters(
    start: str = "",
    end: str = "",
    types: tuple[str, ...] = (),
    jurisdictions: tuple[str, ...] = (),
    codes: tuple[str, ...] = (),
) -> service.Filters:
    for name, value in (("from", start), ("until", end)):
        if value and not (value[:4].isdigit() and len(value) <= 10):
            raise ValidationFailed(
                N_("%(field)s: %(value)r is not a date"),
                [{"field": name, "value": value[:20], "expected": N_("a date (YYYY-MM-DD)")}],
                values={"field": name, "value": value[:20]},
            )
    return service.Filters(
        start=start or None,
        end=end or None,
        types=frozenset(types),
        jurisdictions=frozenset(jurisdictions),
        codes=frozenset(codes),
    )


@router.get("/analysis/chart")
def chart_page(
    request: Request,
    db: DB,
    user: Reader,
    start: Annotated[str, Query(max_length=60)] = "",
    why: Annotated[str, Query(max_length=500)] = "",
    type: Annotated[str, Query(max_length=40)] = "person",
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The chart page: find a start record, or the chart grown from one."""
    if start:
        service.parse_node_id(start)
    form = {"type": type if type in service.START_TYPES else "person", "q": q, "why": why}
    found, missing = _found(request, db, user, form)
    context = {
        "form": form,
        "start": start,
        "found": found,
        "missing": missing,
        "marks": marks.row_marks(db, form["type"], found),
        "start_types": [t for t in service.START_TYPES if t in linking.target_types(user)],
        "TYPES": TYPES,
        "title_of": page_title_of,
        "codes": CODE_LABELS,
        "errors": {},
        "may_save": role_allows(user.role, "record.update"),
        "max_nodes": service.MAX_NODES,
    }
    template = "analysis/chart_found.html" if request.headers.get("hx-request") else None
    return render(request, template or "analysis/chart.html", context, headers=NO_STORE)


def _found(request: Request, db: DB, user: Principal, form: dict[str, str]) -> tuple[list, Any]:
    """The records the start search finds (their consultation logged), or why none were."""
    if not form["q"].strip():
        return [], None
    try:
        found = linking.find_targets(
            db, user=user, target_type=form["type"], query=form["q"], why=form["why"]
        )
    except reading.JustificationRequired:
        return [], "why"
    if found and reading.needs_justification(form["type"]):
        log_now(
            request,
            db,
            user=user,
            action="consult",
            record_type=form["type"],
            jurisdiction=user.jurisdiction,
            why=form["why"].strip(),
            details={"shown_in": "link chart search", "ids": [r.id for r in found]},
        )
    return found, None


@dataclass(frozen=True)
class ChartQuery:
    """The query of every chart route: the expanded records, the justification, the filters."""

    expanded: list[str]
    why: str = ""
    start: str = ""
    end: str = ""
    types: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()

    def chart(self, db: DB, user: Principal) -> service.Chart:
        """Build the chart this query asks for (service.build_chart)."""
        filters = _filters(self.start, self.end, self.types, self.jurisdictions, self.codes)
        return service.build_chart(
            db,
            user=user,
            expanded=self.expanded,
            why=self.why,
            filters=filters,
            keep=self.keep,
        )


def chart_query(
    expanded: Many,
    why: Annotated[str, Query(max_length=500)] = "",
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="until", max_length=10)] = "",
    types: Many = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    jurisdictions: Many = [],  # noqa: B006
    codes: Many = [],  # noqa: B006
    keep: Many = [],  # noqa: B006
) -> ChartQuery:
    """Read a chart query from the address."""
    return ChartQuery(
        expanded, why, start, end, tuple(types), tuple(jurisdictions), tuple(codes), tuple(keep)
    )


Asked = Annotated[ChartQuery, Depends(chart_query)]


def _labelled(request: Request, answer: dict[str, Any]) -> dict[str, Any]:
    """Add each link's kind in the reader's language (the chart draws it on the line)."""
    fmt = formatter(request)
    for edge in answer["edges"]:
        edge["label"] = "" if edge.get("count") else fmt.enum("link_kinds", edge["kind"])
    return answer


@router.get("/analysis/chart/data")
def chart_data(request: Request, db: DB, user: Reader, query: Asked) -> Response:
    """The chart of the expanded records and their neighbours (JSON), its reads logged."""
    return JSONResponse(_labelled(request, query.chart(db, user).as_dict()), headers=NO_STORE)


@router.get("/analysis/chart/path")
def chart_path(
    db: DB,
    user: Reader,
    a: Annotated[str, Query(max_length=60)],
    b: Annotated[str, Query(max_length=60)],
    mode: Annotated[str, Query(max_length=20)] = "shortest",
    why: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """The shortest or earliest time-respecting path between two records (JSON)."""
    found = paths.find_path(db, user=user, a=a, b=b, mode=mode, why=why)
    return JSONResponse(found, headers=NO_STORE)


@router.get("/analysis/chart/export/{fmt}")
def chart_export(db: DB, user: Reader, fmt: str, query: Asked) -> Response:
    """The chart as GraphML, GEXF or an i2 CSV pair; H2 left out, the marking in the file."""
    if fmt not in exports.FORMATS:
        raise NotFound(N_("no chart export as %(fmt)r: graphml, gexf or i2"), values={"fmt": fmt})
    chart = query.chart(db, user)
    data, marking = exports.export_chart(db, user=user, chart=chart, fmt=fmt)
    media, ext = exports.FORMATS[fmt]
    headers = {
        **NO_STORE,
        "Content-Disposition": f'attachment; filename="link-chart.{ext}"',
        "X-Handling-Code": marking["handling_code"],
        "X-Withheld-H2": str(marking["withheld_h2"]),
    }
    return Response(data, media_type=media, headers=headers)


@router.post("/analysis/chart/save")
def chart_save(
    request: Request,
    db: DB,
    user: Saver,
    expanded: Annotated[list[str], Form(max_length=200)],
    case: Annotated[str, Form(max_length=80)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    why: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Attach the chart to a case (GraphML, marked) and show the case."""
    reference = case.strip()
    stmt = select(Case).where((Case.reference == reference) | (Case.external_ref == reference))
    found = db.scalars(restrict(stmt, user, "record.update").limit(1)).first()
    if found is None:
        raise ValidationFailed(
            N_("case: no case %(case)r you may change"),
            [{"field": "case", "value": reference[:80], "expected": N_("a case you may change")}],
            values={"case": reference[:80]},
        )
    chart = ChartQuery(expanded=expanded, why=why).chart(db, user)
    exports.save_to_case(
        db,
        user=user,
        chart=chart,
        case_id=found.id,
        var_dir=request.app.state.settings.var_dir,
        title=title,
    )
    return redirect_with_notice(request, f"/records/cases/{found.id}", "chart_saved")
