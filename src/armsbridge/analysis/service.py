"""The link chart's data: records and links read through restrict(), with their provenance.

A chart is the set of records an analyst expanded (`expanded`, node ids "type:id") and their
neighbours over the links table (typed links, confirmed matches as `same_as` links, and links
among records received through the exchange). Every record comes through restrict(), every
personal record shown is named in a consultation entry, and each node and edge carries where it
came from (jurisdiction, provider, handling code, grades). The strictest handling code of what a
chart shows is the chart's own (`chart_marking`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from armsbridge.analysis import network
from armsbridge.auth.permissions import restrict
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_, Phrase
from armsbridge.records import reading
from armsbridge.records.handling import markings_of
from armsbridge.records.labels import TYPES, title_of
from armsbridge.records.models import RECORD_MODELS, Event, Link
from armsbridge.records.related import visible

START_TYPES = ("person", "firearm", "phone", "vehicle")
MAX_NODES = 1000  # past this, the chart is collapsed by type and community
MAX_EXPANDED = 200
MAX_PATH_DEPTH = 6
MAX_PATH_RECORDS = 20_000
# Strictness of handling codes: H2 (no further dissemination) binds most; H3's own text is kept.
RANK = {"H0": 0, "H1": 1, "H3": 2, "H2": 3}


@dataclass(frozen=True)
class Filters:
    """What a chart shows: a time window on link dates, record types, services, handling codes."""

    start: str | None = None  # ISO date (or prefix): links dated before are left out
    end: str | None = None
    types: frozenset[str] = frozenset()
    jurisdictions: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()

    def keeps_node(self, node: dict[str, Any]) -> bool:
        """True when a node passes the type, service and handling code filters."""
        return (
            (not self.types or node["type"] in self.types)
            and (not self.jurisdictions or node["jurisdiction"] in self.jurisdictions)
            and (not self.codes or node["handling_code"] in self.codes)
        )

    def keeps_edge(self, edge: dict[str, Any]) -> bool:
        """True when a link's date falls in the window (undated links are always kept)."""
        when = edge.get("when") or ""
        if not when:
            return True
        return (not self.start or when[: len(self.start)] >= self.start) and (
            not self.end or when[: len(self.end)] <= self.end
        )


@dataclass
class Chart:
    """Nodes and edges as the page draws them, with the chart's handling marking."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    marking: dict[str, Any] = field(default_factory=dict)
    aggregated: bool = False
    records: int = 0  # records behind the nodes (more than nodes when aggregated)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON answer of the chart routes."""
        return {
            "nodes": self.nodes,
            "edges": self.edges,
            "marking": self.marking,
            "aggregated": self.aggregated,
            "records": self.records,
            "max_nodes": MAX_NODES,
        }


def parse_node_id(value: str) -> tuple[str, int]:
    """Return (record type, id) of "type:id"; a clear error naming the value otherwise."""
    kind, _, raw = (value or "").partition(":")
    if kind not in RECORD_MODELS or kind == "link" or not raw.isdigit():
        raise ValidationFailed(
            N_("node: %(node)r is not a record (type:id)"),
            [{"field": "node", "value": value[:60], "expected": N_("a record as type:id")}],
            values={"node": value[:60]},
        )
    return kind, int(raw)


def strictest(codes: list[str]) -> str:
    """Return the strictest handling code of a list (H0 when empty)."""
    return max(codes or ["H0"], key=lambda c: RANK.get(c, 2))


def chart_marking(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the chart's marking: the strictest code shown, its providers, the H3 texts."""
    parts = [*nodes, *edges]
    code = strictest([p["handling_code"] for p in parts if p.get("handling_code")])
    restrictions = sorted({p["restriction"] for p in parts if p.get("restriction")})
    providers = sorted({p["provider"] for p in parts if p.get("provider")})
    return {"handling_code": code, "restrictions": restrictions, "providers": providers}


def _node(record_type: str, record: Any, mark: Any) -> dict[str, Any]:
    node = {
        "id": f"{record_type}:{record.id}",
        "type": record_type,
        "record_id": record.id,
        "label": title_of(record_type, record),
        "jurisdiction": record.jurisdiction,
        "handling_code": mark.handling_code if mark else (record.handling_code or "H0"),
        "provider": mark.provider if mark else None,
        "grades": mark.grades if mark else None,
        "restriction": mark.restriction if mark else None,
        "received": mark is not None,
        "source": mark.provider if mark else record.jurisdiction,
        "href": f"/records/{TYPES[record_type][0]}/{record.id}" if record_type in TYPES else None,
    }
    if record_type == "event":
        node["when"] = record.occurred_on
    return node


def _edge(link: Link, mark: Any, when: str | None) -> dict[str, Any]:
    return {
        "id": f"link:{link.id}",
        "source": f"{link.from_type}:{link.from_id}",
        "target": f"{link.to_type}:{link.to_id}",
        "kind": link.kind,
        "role": link.role,
        "when": when,
        "until": link.valid_to,
        "confidence": link.confidence,
        "source_ref": link.source_ref,
        "jurisdiction": link.jurisdiction,
        "handling_code": mark.handling_code if mark else (link.handling_code or "H0"),
        "provider": mark.provider if mark else None,
        "restriction": mark.restriction if mark else None,
        "received": mark is not None,
        "timeless": link.kind == "same_as",
    }


def _links_of(session: Session, user: Principal, wanted: dict[str, set[int]]) -> list[Link]:
    """Return the readable links with an end among `wanted` {type: ids}."""
    ends = []
    for record_type, ids in wanted.items():
        chunk = sorted(ids)
        ends.append(and_(Link.from_type == record_type, Link.from_id.in_(chunk)))
        ends.append(and_(Link.to_type == record_type, Link.to_id.in_(chunk)))
    if not ends:
        return []
    link_ids = select(Link.id).where(or_(*ends))
    stmt = restrict(select(Link).where(Link.id.in_(link_ids)), user, "record.read")
    return list(session.scalars(stmt))


def gather(session: Session, *, user: Principal, seeds: list[str]) -> tuple[dict, list]:
    """Return ({node id: (type, record)}, [links]) of the seeds and their neighbours.

    Records and links the user may not read are left out (a link is kept only when both of
    its ends are readable).
    """
    wanted: dict[str, set[int]] = defaultdict(set)
    for seed in seeds:
        record_type, record_id = parse_node_id(seed)
        wanted[record_type].add(record_id)
    links = _links_of(session, user, wanted)
    for link in links:
        for kind, rid in ((link.from_type, link.from_id), (link.to_type, link.to_id)):
            if kind in RECORD_MODELS and kind != "link":
                wanted[kind].add(rid)
    records: dict[str, tuple[str, Any]] = {}
    for record_type, ids in wanted.items():
        for rid, rec in visible(session, user=user, record_type=record_type, ids=list(ids)).items():
            records[f"{record_type}:{rid}"] = (record_type, rec)
    kept = [
        link
        for link in links
        if f"{link.from_type}:{link.from_id}" in records
        and f"{link.to_type}:{link.to_id}" in records
    ]
    return records, kept


def describe(
    session: Session, records: dict[str, tuple[str, Any]], links: list[Link]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the nodes and edges of records and links, each with its provenance."""
    items = [(t, r.id) for t, r in records.values()] + [("link", link.id) for link in links]
    marks = markings_of(session, items)
    nodes = [_node(t, r, marks.get((t, r.id))) for t, r in records.values()]
    edges = []
    for link in links:
        when = link.valid_from
        for kind, rid in ((link.from_type, link.from_id), (link.to_type, link.to_id)):
            if not when and kind == "event":
                event = records.get(f"event:{rid}")
                when = event[1].occurred_on if event and isinstance(event[1], Event) else None
        edges.append(_edge(link, marks.get(("link", link.id)), when))
    return nodes, edges


def log_chart_reads(
    session: Session, *, user: Principal, nodes: list[dict[str, Any]], why: str | None
) -> None:
    """Write one consultation entry per personal record type the chart shows."""
    by_type: dict[str, list[Any]] = defaultdict(list)
    for node in nodes:
        if node.get("record_id") and reading.needs_justification(node["type"]):
            by_type[node["type"]].append(_Shown(node["record_id"], node["jurisdiction"]))
    for record_type, shown in sorted(by_type.items()):
        reading.log_consultation(
            session,
            user=user,
            record_type=record_type,
            records=shown,
            why=why,
            details={"shown_in": "link chart"},
        )


@dataclass(frozen=True)
class _Shown:
    id: int
    jurisdiction: str


def check_request(expanded: list[str], why: str | None) -> str | None:
    """Refuse too many expanded nodes or a missing justification; return the justification."""
    if len(expanded) > MAX_EXPANDED:
        raise ValidationFailed(
            N_("expanded: %(count)s records expanded, at most %(limit)s"),
            [
                {
                    "field": "expanded",
                    "value": str(len(expanded)),
                    "expected": Phrase(N_("at most %(limit)s records"), {"limit": MAX_EXPANDED}),
                }
            ],
            values={"count": len(expanded), "limit": MAX_EXPANDED},
        )
    return reading.check_justification("person", why)


def build_chart(
    session: Session,
    *,
    user: Principal,
    expanded: list[str],
    why: str | None,
    filters: Filters | None = None,
    keep: tuple[str, ...] = (),
    log: bool = True,
) -> Chart:
    """Return the chart of the expanded records and their neighbours, filtered and logged.

    Past MAX_NODES the chart is collapsed by record type and community (the expanded records
    and `keep` stay single); the answer says so.
    """
    why = check_request(expanded, why)
    filters = filters or Filters()
    records, links = gather(session, user=user, seeds=list(dict.fromkeys(expanded)))
    nodes, edges = describe(session, records, links)
    pinned = set(expanded) | set(keep)
    nodes = [n for n in nodes if n["id"] in pinned or filters.keeps_node(n)]
    shown = {n["id"] for n in nodes}
    edges = [
        e for e in edges if e["source"] in shown and e["target"] in shown and filters.keeps_edge(e)
    ]
    net = network.Network(nodes, edges)
    groups = network.communities(net)
    for node in nodes:
        node["community"] = groups.get(node["id"], 0)
    for node_id in network.bridges(net):
        nodes[net.index[node_id]]["bridge"] = True
    if log:
        log_chart_reads(session, user=user, nodes=nodes, why=why)
    chart = Chart(nodes, edges, chart_marking(nodes, edges), records=len(nodes))
    if len(nodes) > MAX_NODES:
        chart = aggregate(chart, pinned)
    return chart


def aggregate(chart: Chart, pinned: set[str]) -> Chart:
    """Collapse the unpinned nodes into one node per (record type, community), links summed."""
    group_of: dict[str, str] = {}
    groups: dict[str, dict[str, Any]] = {}
    for node in chart.nodes:
        if node["id"] in pinned:
            continue
        gid = f"group:{node['type']}:{node['community']}"
        group_of[node["id"]] = gid
        group = groups.setdefault(
            gid,
            {
                "id": gid,
                "type": node["type"],
                "group": True,
                "count": 0,
                "community": node["community"],
                "jurisdiction": node["jurisdiction"],
                "handling_code": "H0",
                "label": "",
            },
        )
        group["count"] += 1
        group["handling_code"] = strictest([group["handling_code"], node["handling_code"]])
        if group["jurisdiction"] != node["jurisdiction"]:
            group["jurisdiction"] = "XK+MK"
    for group in groups.values():
        group["label"] = f"{group['count']} × {group['type']}"
    nodes = [n for n in chart.nodes if n["id"] in pinned] + list(groups.values())
    summed: dict[tuple[str, str], dict[str, Any]] = {}
    for edge in chart.edges:
        a, b = (
            group_of.get(edge["source"], edge["source"]),
            group_of.get(edge["target"], edge["target"]),
        )
        if a == b:
            continue
        key = (min(a, b), max(a, b))
        row = summed.setdefault(
            key,
            {
                "id": f"agg:{key[0]}|{key[1]}",
                "source": key[0],
                "target": key[1],
                "kind": "links",
                "count": 0,
                "handling_code": "H0",
                "when": None,
            },
        )
        row["count"] += 1
        row["handling_code"] = strictest([row["handling_code"], edge["handling_code"]])
    return Chart(
        nodes, list(summed.values()), chart.marking, aggregated=True, records=chart.records
    )
