"""Connecting paths between two chosen records, found in the store through restrict().

The search grows breadth first from both ends (each step one `gather` of the frontier, so only
records the user may read are ever reached), up to MAX_PATH_DEPTH links or MAX_PATH_RECORDS
records, then asks the network for the shortest path or the earliest time-respecting one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from armsbridge.analysis import network
from armsbridge.analysis.service import (
    MAX_PATH_DEPTH,
    MAX_PATH_RECORDS,
    chart_marking,
    check_request,
    describe,
    gather,
    log_chart_reads,
    parse_node_id,
)
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_

MODES = ("shortest", "time")


def find_path(
    session: Session, *, user: Principal, a: str, b: str, mode: str, why: str | None
) -> dict[str, Any]:
    """Return {"path": node ids, "dates", "nodes", "edges", "marking"} joining a and b.

    An empty path means no readable connection within the search bounds (the answer says
    how far it looked).
    """
    why = check_request([a, b], why)
    parse_node_id(a), parse_node_id(b)
    if mode not in MODES:
        raise ValidationFailed(
            N_("mode: %(mode)r is not a kind of path"),
            [{"field": "mode", "value": mode[:20], "expected": N_("shortest or time")}],
            values={"mode": mode[:20]},
        )
    records: dict[str, tuple[str, Any]] = {}
    links: dict[int, Any] = {}
    frontier = [a, b]
    depth = 0
    joined_at: int | None = None
    while frontier and depth < MAX_PATH_DEPTH and len(records) < MAX_PATH_RECORDS:
        found, new_links = gather(session, user=user, seeds=frontier)
        for link in new_links:
            links[link.id] = link
        fresh = [k for k in found if k not in records]
        records.update(found)
        frontier = fresh
        depth += 1
        if a in records and b in records and _joined(records, links.values(), a, b):
            if mode == "shortest" or joined_at is not None:
                break  # a time-ordered route is looked for one step further, no more
            joined_at = depth
    nodes, edges = describe(session, records, list(links.values()))
    net = network.Network(nodes, edges)
    dates: list[str] = []
    if mode == "shortest":
        path = network.shortest_path(net, a, b)
    else:
        path, dates = network.time_respecting_path(net, a, b)
    on_path = set(path)
    shown_nodes = [n for n in nodes if n["id"] in on_path]
    steps = set(zip(path, path[1:], strict=False)) | set(zip(path[1:], path, strict=False))
    shown_edges = [e for e in edges if (e["source"], e["target"]) in steps]
    log_chart_reads(session, user=user, nodes=shown_nodes, why=why)
    return {
        "path": path,
        "dates": dates,
        "nodes": shown_nodes,
        "edges": shown_edges,
        "marking": chart_marking(shown_nodes, shown_edges),
        "searched": {"depth": depth, "records": len(records)},
    }


def _joined(records: dict, links: Any, a: str, b: str) -> bool:
    nodes = [{"id": k} for k in records]
    edges = [
        {"source": f"{x.from_type}:{x.from_id}", "target": f"{x.to_type}:{x.to_id}"} for x in links
    ]
    return bool(network.shortest_path(network.Network(nodes, edges), a, b))
