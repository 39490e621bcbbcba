"""Graph algorithms of the link chart, on python-igraph (NetworKit for large betweenness).

A `Network` holds nodes and edges as plain dicts (each with its provenance) and an igraph
`Graph` built from them. Metrics: degree, betweenness, closeness, eigenvector centrality,
k-core, Leiden communities, cross-border bridges, shortest and time-respecting paths. Nothing
here reads the store: `analysis.service` builds the network through restrict().
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from heapq import heappop, heappush
from typing import Any

import igraph as ig

# Above this many edges, betweenness is approximated (NetworKit KADABRA when installed, else
# igraph with a path-length cutoff); the metrics answer says which method was used.
EXACT_BETWEENNESS_EDGES = 50_000
CUTOFF = 3


@dataclass
class Network:
    """Nodes ({"id", "jurisdiction", ...}) and edges ({"source", "target", ...}) with a graph."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    graph: ig.Graph = field(init=False)
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.index = {n["id"]: i for i, n in enumerate(self.nodes)}
        pairs = [
            (self.index[e["source"]], self.index[e["target"]])
            for e in self.edges
            if e["source"] in self.index and e["target"] in self.index
        ]
        self.graph = ig.Graph(n=len(self.nodes), edges=pairs, directed=False)

    def ids(self, positions: list[int]) -> list[str]:
        """Return the node ids at graph positions."""
        return [self.nodes[p]["id"] for p in positions]


def from_edge_list(n: int, pairs: list[tuple[int, int]]) -> Network:
    """Build a network of n anonymous nodes from (i, j) pairs (benchmarks, tests)."""
    net = Network.__new__(Network)
    net.nodes = [{"id": str(i)} for i in range(n)]
    net.edges = []
    net.index = {str(i): i for i in range(n)}
    net.graph = ig.Graph(n=n, edges=pairs, directed=False)
    return net


def degree(net: Network) -> dict[str, int]:
    """Return {node id: number of links}."""
    return dict(zip(net.ids(list(range(net.graph.vcount()))), net.graph.degree(), strict=True))


def betweenness(net: Network, *, approximate: bool | None = None) -> tuple[dict[str, float], str]:
    """Return ({node id: normalised betweenness}, method); approximate on large graphs."""
    g = net.graph
    n = g.vcount()
    scale = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    big = g.ecount() > EXACT_BETWEENNESS_EDGES if approximate is None else approximate
    if not big:
        values = [v * scale for v in g.betweenness(directed=False)]
        method = "exact"
    else:
        try:
            import networkit as nk  # optional: approximate betweenness on large graphs
        except ImportError:
            values = [v * scale for v in g.betweenness(directed=False, cutoff=CUTOFF)]
            method = f"igraph cutoff {CUTOFF} (approximate)"
        else:
            values = _kadabra(nk, g)
            method = "NetworKit KADABRA (approximate, error 0.01)"
    return dict(zip(net.ids(list(range(n))), values, strict=True)), method


def _kadabra(nk: Any, g: ig.Graph) -> list[float]:
    nk.setNumberOfThreads(2)
    graph = nk.Graph(g.vcount(), weighted=False, directed=False)
    for a, b in g.get_edgelist():
        graph.addEdge(a, b)
    algo = nk.centrality.KadabraBetweenness(graph, 0.01, 0.1)
    algo.run()
    return list(algo.scores())


def closeness(net: Network) -> dict[str, float]:
    """Return {node id: closeness within its component} (unreachable ones not counted)."""
    values = net.graph.closeness(normalized=True)
    ids = net.ids(list(range(len(values))))
    return {i: (0.0 if v != v else v) for i, v in zip(ids, values, strict=True)}


def eigenvector(net: Network) -> dict[str, float]:
    """Return {node id: eigenvector centrality, the largest scaled to 1}."""
    if net.graph.ecount() == 0:
        return dict.fromkeys(net.ids(list(range(net.graph.vcount()))), 0.0)
    values = net.graph.eigenvector_centrality()
    return dict(zip(net.ids(list(range(len(values)))), values, strict=True))


def kcore(net: Network) -> dict[str, int]:
    """Return {node id: the largest k of a k-core holding it}."""
    values = net.graph.coreness()
    return dict(zip(net.ids(list(range(len(values)))), values, strict=True))


def communities(net: Network, *, seed: int = 1) -> dict[str, int]:
    """Return {node id: community number} by igraph's Leiden (modularity), 0 the largest."""
    g = net.graph
    if g.vcount() == 0:
        return {}
    ig.set_random_number_generator(__import__("random").Random(seed))
    parts = g.community_leiden(objective_function="modularity", n_iterations=2)
    order = {c: k for k, (c, _n) in enumerate(Counter(parts.membership).most_common())}
    ids = net.ids(list(range(g.vcount())))
    return {i: order[c] for i, c in zip(ids, parts.membership, strict=True)}


def bridges(net: Network) -> list[str]:
    """Return the ids of nodes linked to both an XK and an MK node, or linking two services.

    A node is a cross-border bridge when its neighbours (or itself and a neighbour) belong to
    both services, so removing it cuts a path from one service's part to the other's.
    """
    g = net.graph
    out = []
    for v in range(g.vcount()):
        seen = {net.nodes[v].get("jurisdiction")}
        seen.update(net.nodes[u].get("jurisdiction") for u in g.neighbors(v))
        if {"XK", "MK"} <= seen:
            out.append(net.nodes[v]["id"])
    return out


def shortest_path(net: Network, a: str, b: str) -> list[str]:
    """Return the node ids of one shortest path from a to b ([] when none)."""
    if a not in net.index or b not in net.index:
        return []
    path = net.graph.get_shortest_path(net.index[a], net.index[b])
    return net.ids(path)


def time_respecting_path(net: Network, a: str, b: str) -> tuple[list[str], list[str]]:
    """Return (node ids, dates) of an earliest-arrival path from a to b: each link no earlier.

    A link's time is its `when` (link interval start or event date, ISO text); a path may use
    a link only if its time is not before the previous link's ("A met B before B met C").
    Links without a date are not used, except `timeless` ones (a confirmed match: the same
    entity at every time), crossed without changing the time. ([], []) when no such path exists.
    """
    if a not in net.index or b not in net.index:
        return [], []
    adjacent: dict[str, list[tuple[str | None, str]]] = defaultdict(list)
    for e in net.edges:
        when = e.get("when") or None
        if when or e.get("timeless"):
            adjacent[e["source"]].append((when, e["target"]))
            adjacent[e["target"]].append((when, e["source"]))
    best: dict[str, str] = {a: ""}
    back: dict[str, tuple[str, str]] = {}
    queue: list[tuple[str, str]] = [("", a)]
    while queue:
        at, node = heappop(queue)
        if node == b:
            break
        if at > best.get(node, "\uffff"):
            continue
        for link_when, other in adjacent[node]:
            when = at if link_when is None else link_when
            if when >= at and when < best.get(other, "\uffff"):
                best[other] = when
                back[other] = (node, link_when or "")
                heappush(queue, (when, other))
    if b not in back and a != b:
        return [], []
    nodes, dates = [b], []
    while nodes[-1] != a:
        prev, when = back[nodes[-1]]
        nodes.append(prev)
        dates.append(when)
    return nodes[::-1], dates[::-1]


def metrics(net: Network) -> dict[str, Any]:
    """Return every metric of every node, and the betweenness method used."""
    between, method = betweenness(net)
    return {
        "degree": degree(net),
        "betweenness": between,
        "closeness": closeness(net),
        "eigenvector": eigenvector(net),
        "kcore": kcore(net),
        "community": communities(net),
        "bridges": bridges(net),
        "betweenness_method": method,
    }
