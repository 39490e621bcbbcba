"""Files made from a link chart: GraphML, GEXF, an i2-importable CSV pair, a copy on a case.

A file leaves the node (or may, once attached to a case), so what was received under H2 is left
out, with its links, and the file says how much and why (records.handling, decisions.md); the
strictest handling code of what remains marks the file, with the providers and H3 texts.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import igraph as ig
from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.analysis.service import Chart, chart_marking
from armsbridge.auth.access import log_access
from armsbridge.auth.permissions import restrict
from armsbridge.auth.principal import Principal
from armsbridge.records import attachments
from armsbridge.records.handling import NO_DISSEMINATION
from armsbridge.records.labels import not_found
from armsbridge.records.models import Case

FORMATS = {
    "graphml": ("application/graphml+xml", "graphml"),
    "gexf": ("application/gexf+xml", "gexf"),
    "i2": ("application/zip", "zip"),
}
NODE_FIELDS = (
    "type",
    "record_id",
    "label",
    "jurisdiction",
    "source",
    "handling_code",
    "provider",
    "grades",
    "restriction",
    "community",
    "when",
)
EDGE_FIELDS = (
    "kind",
    "role",
    "when",
    "until",
    "confidence",
    "source_ref",
    "jurisdiction",
    "handling_code",
    "provider",
    "restriction",
)


def disseminable(chart: Chart) -> tuple[list[dict], list[dict], int]:
    """Return (nodes, edges, how many were left out): nothing received under H2."""
    nodes = [n for n in chart.nodes if n.get("handling_code") != NO_DISSEMINATION]
    kept = {n["id"] for n in nodes}
    edges = [
        e
        for e in chart.edges
        if e.get("handling_code") != NO_DISSEMINATION
        and e["source"] in kept
        and e["target"] in kept
    ]
    return nodes, edges, (len(chart.nodes) - len(nodes)) + (len(chart.edges) - len(edges))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _marking_line(marking: dict[str, Any], withheld: int) -> str:
    parts = [f"Handling code {marking['handling_code']}"]
    if marking["providers"]:
        parts.append("received from " + ", ".join(marking["providers"]))
    parts += [f"restriction: {r}" for r in marking["restrictions"]]
    if withheld:
        parts.append(
            f"{withheld} element(s) left out: received under H2, not to be disseminated "
            "further without the provider's permission"
        )
    return "; ".join(parts)


def graphml(nodes: list[dict], edges: list[dict], note: str) -> bytes:
    """Return the chart as GraphML (igraph's writer), the marking as a graph attribute."""
    g = ig.Graph(n=len(nodes), directed=True)
    index = {n["id"]: i for i, n in enumerate(nodes)}
    g.add_edges([(index[e["source"]], index[e["target"]]) for e in edges])
    g["marking"] = note
    g.vs["name"] = [n["id"] for n in nodes]
    for name in NODE_FIELDS:
        g.vs[name] = [_text(n.get(name)) for n in nodes]
    g.es["name"] = [e["id"] for e in edges]
    for name in EDGE_FIELDS:
        g.es[name] = [_text(e.get(name)) for e in edges]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chart.graphml"
        g.write_graphml(str(path))
        return path.read_bytes()


def gexf(nodes: list[dict], edges: list[dict], note: str) -> bytes:
    """Return the chart as GEXF 1.3 (nodes, edges, attributes; the marking in its meta)."""
    root = ET.Element("gexf", {"xmlns": "http://gexf.net/1.3", "version": "1.3"})
    meta = ET.SubElement(root, "meta", {"lastmodifieddate": datetime.now(UTC).date().isoformat()})
    ET.SubElement(meta, "creator").text = "armsbridge"
    ET.SubElement(meta, "description").text = note
    graph = ET.SubElement(root, "graph", {"defaultedgetype": "directed", "mode": "static"})
    for cls, names in (("node", NODE_FIELDS), ("edge", EDGE_FIELDS)):
        attrs = ET.SubElement(graph, "attributes", {"class": cls})
        for i, name in enumerate(names):
            ET.SubElement(attrs, "attribute", {"id": str(i), "title": name, "type": "string"})
    xml_nodes = ET.SubElement(graph, "nodes")
    for n in nodes:
        el = ET.SubElement(xml_nodes, "node", {"id": n["id"], "label": _text(n.get("label"))})
        _values(el, n, NODE_FIELDS)
    xml_edges = ET.SubElement(graph, "edges")
    for e in edges:
        el = ET.SubElement(
            xml_edges,
            "edge",
            {"id": e["id"], "source": e["source"], "target": e["target"], "label": e["kind"]},
        )
        _values(el, e, EDGE_FIELDS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _values(el: ET.Element, row: dict, names: tuple[str, ...]) -> None:
    values = ET.SubElement(el, "attvalues")
    for i, name in enumerate(names):
        ET.SubElement(values, "attvalue", {"for": str(i), "value": _text(row.get(name))})


def i2_csv(nodes: list[dict], edges: list[dict], note: str) -> bytes:
    """Return a zip of entities.csv and links.csv (one row per entity/link) for an i2 import."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("MARKING.txt", note + "\n")
        archive.writestr(
            "entities.csv",
            _sheet(
                [
                    "Entity ID",
                    "Entity Type",
                    "Label",
                    "Jurisdiction",
                    "Source",
                    "Handling Code",
                    "Provider",
                    "Grades",
                    "Restriction",
                    "Community",
                    "Date",
                ],
                [
                    [n["id"], *(_text(n.get(k)) for k in NODE_FIELDS if k not in ("record_id",))]
                    for n in nodes
                ],
            ),
        )
        archive.writestr(
            "links.csv",
            _sheet(
                [
                    "Link ID",
                    "From Entity ID",
                    "To Entity ID",
                    "Link Type",
                    "Role",
                    "Date From",
                    "Date To",
                    "Confidence",
                    "Source",
                    "Jurisdiction",
                    "Handling Code",
                    "Provider",
                    "Restriction",
                ],
                [
                    [e["id"], e["source"], e["target"], *(_text(e.get(k)) for k in EDGE_FIELDS)]
                    for e in edges
                ],
            ),
        )
    return out.getvalue()


def _sheet(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


WRITERS = {"graphml": graphml, "gexf": gexf, "i2": i2_csv}


def export_chart(
    session: Session, *, user: Principal, chart: Chart, fmt: str
) -> tuple[bytes, dict[str, Any]]:
    """Return (file bytes, marking) of a chart in a format; the export is audited."""
    nodes, edges, withheld = disseminable(chart)
    marking = {**chart_marking(nodes, edges), "withheld_h2": withheld}
    data = WRITERS[fmt](nodes, edges, _marking_line(marking, withheld))
    log_access(
        session,
        user=user,
        action="export",
        details={
            "what": f"link chart ({fmt})",
            "nodes": [n["id"] for n in nodes],
            "handling_code": marking["handling_code"],
            "withheld_h2": withheld,
        },
    )
    return data, marking


def save_to_case(
    session: Session, *, user: Principal, chart: Chart, case_id: int, var_dir: Path, title: str
) -> Any:
    """Attach the chart (GraphML, H2 left out) to a case the user may change; its marking too."""
    case = session.scalar(restrict(select(Case).where(Case.id == case_id), user, "record.update"))
    if case is None:
        raise not_found("case", case_id)
    nodes, edges, withheld = disseminable(chart)
    marking = chart_marking(nodes, edges)
    note = _marking_line(marking, withheld)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return attachments.add_attachment(
        session,
        var_dir=var_dir,
        record_type="case",
        record=case,
        filename=f"link-chart-{stamp}.graphml",
        content_type=FORMATS["graphml"][0],
        data=graphml(nodes, edges, note),
        user=user,
        description=f"{title.strip() or 'Link chart'}: {len(nodes)} records, {len(edges)} links. "
        + note,
    )
