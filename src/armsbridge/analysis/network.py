"""Graph algorithms of the link chart, on python-igraph (numpy samples for large graphs).

A `Network` holds nodes and edges as plain dicts (each with its provenance) and an igraph
`Graph` built from them. Metrics: degree, betweenness, closeness, eigenvector centrality,
k-core, Leiden communities, cross-border bridges, shortest and time-respecting paths. Nothing
here reads the store: `analysis.service` builds the network through restrict().
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from heapq import heappop, heappush
from itertools import chain
from typing import Any

import igraph as ig
import numpy as np
from scipy import sparse

from armsbridge.analysis.sampled import linear_scaled_betweenness, sampled_closeness

# Above this many edges, betweenness is approximated (sampled sources, analysis.sampled) and so is
# closeness (analysis.sampled); the metrics answer says which method was used.
EXACT_BETWEENNESS_EDGES = 50_000
BETWEENNESS_SAMPLES = 32
CLOSENESS_SAMPLES = 50
TIMELESS = -2  # the time of a timeless link in a dated adjacency: crossed at the current time
UNDATED = -3  # a link with neither date nor timelessness: not on any time-respecting path


@dataclass
class Network:
    """Nodes ({"id", "jurisdiction", ...}) and edges ({"source", "target", ...}) with a graph."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    graph: ig.Graph = field(init=False)
    index: dict[str, int] = field(init=False)
    # Built on first use and kept: the CSR adjacency and the dated adjacency.
    csr: Any = field(init=False, default=None, repr=False)
    dated: tuple[Any, Any, Any, list[str]] | None = field(init=False, default=None, repr=False)

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


def edge_array(g: ig.Graph) -> np.ndarray:
    """Return the graph's edges as an (m, 2) int64 array."""
    # np.asarray on igraph's list of tuples costs ~0.2 s at 10^6 edges; fromiter ~0.05 s.
    flat = chain.from_iterable(g.get_edgelist())
    return np.fromiter(flat, dtype=np.int64, count=2 * g.ecount()).reshape(-1, 2)


def adjacency(net: Network) -> Any:
    """Return the symmetric CSR adjacency matrix of the network, built once per network."""
    if net.csr is None:
        n, edges = net.graph.vcount(), edge_array(net.graph)
        rows = np.concatenate([edges[:, 0], edges[:, 1]])
        cols = np.concatenate([edges[:, 1], edges[:, 0]])
        ones = np.ones(len(rows), dtype=np.int8)
        net.csr = sparse.csr_matrix((ones, (rows, cols)), shape=(n, n))
    return net.csr


def degree(net: Network) -> dict[str, int]:
    """Return {node id: number of links}."""
    return dict(zip(net.ids(list(range(net.graph.vcount()))), net.graph.degree(), strict=True))


def betweenness(net: Network, *, approximate: bool | None = None) -> tuple[dict[str, float], str]:
    """Return ({node id: normalised betweenness}, method); sampled on large graphs."""
    g = net.graph
    n = g.vcount()
    scale = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    big = g.ecount() > EXACT_BETWEENNESS_EDGES if approximate is None else approximate
    if not big:
        # A pair linked twice is one tie, as in the sampled estimate's adjacency.
        simple = g.copy().simplify(multiple=True, loops=True)
        values = [v * scale for v in simple.betweenness(directed=False)]
        method = "exact"
    else:
        values = linear_scaled_betweenness(adjacency(net), BETWEENNESS_SAMPLES).tolist()
        method = f"sampled Brandes, linear scaling ({BETWEENNESS_SAMPLES} sources, approximate)"
    return dict(zip(net.ids(list(range(n))), values, strict=True)), method


def closeness(net: Network, *, approximate: bool | None = None) -> tuple[dict[str, float], str]:
    """Return ({node id: closeness within its component}, method); sampled on large graphs."""
    g = net.graph
    big = g.ecount() > EXACT_BETWEENNESS_EDGES if approximate is None else approximate
    ids = net.ids(list(range(g.vcount())))
    if not big:
        values = np.nan_to_num(np.asarray(g.closeness(normalized=True), dtype=float))
        return dict(zip(ids, values.tolist(), strict=True)), "exact"
    values = sampled_closeness(adjacency(net), CLOSENESS_SAMPLES)
    small = np.flatnonzero(np.isnan(values))
    if len(small):  # components too small to sample: exact, on their subgraph alone
        exact = g.induced_subgraph(small.tolist()).closeness(normalized=True)
        values[small] = np.nan_to_num(np.asarray(exact, dtype=float))
    method = f"sampled distances ({CLOSENESS_SAMPLES} sources, approximate)"
    return dict(zip(ids, values.tolist(), strict=True)), method


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
    """Return the ids of the nodes that connect the XK and MK parts (cross-border bridges).

    A node is a bridge when one of its links joins the two services: itself of one service, a
    neighbour of the other (a received record, or a confirmed match across the border).
    """
    edges = edge_array(net.graph)
    codes = {"XK": 1, "MK": 2}
    jur = np.asarray([codes.get(n.get("jurisdiction") or "", 0) for n in net.nodes], dtype=np.int8)
    ends = jur[edges] if len(edges) else np.zeros((0, 2), dtype=np.int8)
    cross = edges[(ends[:, 0] * ends[:, 1]) == 2]  # one XK end (1) and one MK end (2)
    return net.ids(np.unique(cross).tolist())


def shortest_path(net: Network, a: str, b: str) -> list[str]:
    """Return the node ids of one shortest path from a to b ([] when none)."""
    if a not in net.index or b not in net.index:
        return []
    with warnings.catch_warnings():  # "couldn't reach some vertices": an empty path here
        warnings.simplefilter("ignore", RuntimeWarning)
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
    offsets, targets, times, dates = _dated_adjacency(net)
    start, goal = net.index[a], net.index[b]
    best = np.full(len(net.nodes), np.iinfo(np.int64).max, dtype=np.int64)
    best[start] = -1  # before every date
    back: dict[int, tuple[int, int]] = {}
    queue: list[tuple[int, int]] = [(-1, start)]
    while queue:
        at, node = heappop(queue)
        if node == goal:
            break
        if at > best[node]:
            continue
        lo, hi = offsets[node], offsets[node + 1]
        others, link_times = targets[lo:hi], times[lo:hi]
        arrive = np.where(link_times == TIMELESS, at, link_times)
        better = (arrive >= at) & (arrive < best[others])
        for other, when, link_time in zip(
            others[better].tolist(),
            arrive[better].tolist(),
            link_times[better].tolist(),
            strict=True,
        ):
            if when < best[other]:  # a node twice among the neighbours: keep the earliest
                best[other] = when
                back[other] = (node, link_time)
                heappush(queue, (when, other))
    if goal not in back and a != b:
        return [], []
    nodes, path_dates = [goal], []
    while nodes[-1] != start:
        prev, link_time = back[nodes[-1]]
        nodes.append(prev)
        path_dates.append("" if link_time == TIMELESS else dates[link_time])
    return net.ids(nodes[::-1]), path_dates[::-1]


def _dated_adjacency(net: Network) -> tuple[Any, Any, Any, list[str]]:
    """Return (offsets, targets, times, dates): usable links both ways, grouped by node.

    A link's time is the rank of its date among `dates` (sorted), TIMELESS for a timeless one;
    undated links are left out. Built with numpy once per network: a Python adjacency list of
    10^6 links costs seconds.
    """
    if net.dated is not None:
        return net.dated
    edges = net.edges
    if net.graph.ecount() != len(edges):  # the graph left out links to nodes outside the network
        edges = [e for e in edges if e["source"] in net.index and e["target"] in net.index]
    # Each distinct time key gets a code in order of first sight (a dict, not a sort of 10^6
    # strings); the codes map to date ranks, TIMELESS, or UNDATED (left out).
    codes: dict[str | None, int] = {}
    keys = (codes.setdefault(_time_key(e), len(codes)) for e in edges)
    coded = np.fromiter(keys, dtype=np.int64, count=len(edges))
    dates = sorted(key for key in codes if key)
    ranks = {key: position for position, key in enumerate(dates)} | {"": TIMELESS, None: UNDATED}
    link_times = np.asarray([ranks[key] for key in codes], dtype=np.int64)[coded]
    usable = link_times != UNDATED
    # The graph's edges are these links in order: their ends are read off it, not the dicts.
    links = np.column_stack([edge_array(net.graph)[usable], link_times[usable]])
    sources = np.concatenate([links[:, 0], links[:, 1]])
    by_node = np.argsort(sources, kind="stable")
    targets = np.concatenate([links[:, 1], links[:, 0]])[by_node]
    times = np.concatenate([links[:, 2], links[:, 2]])[by_node]
    offsets = np.zeros(len(net.nodes) + 1, dtype=np.int64)
    np.cumsum(np.bincount(sources, minlength=len(net.nodes)), out=offsets[1:])
    net.dated = (offsets.tolist(), targets, times, dates)
    return net.dated


def _time_key(edge: dict[str, Any]) -> str | None:
    """Return a link's date, '' when it is timeless, None when it has neither."""
    return edge.get("when") or ("" if edge.get("timeless") else None)


def metrics(net: Network) -> dict[str, Any]:
    """Return every metric of every node, and the betweenness method used."""
    between, method = betweenness(net)
    close, close_method = closeness(net)
    return {
        "degree": degree(net),
        "betweenness": between,
        "closeness": close,
        "closeness_method": close_method,
        "eigenvector": eigenvector(net),
        "kcore": kcore(net),
        "community": communities(net),
        "bridges": bridges(net),
        "betweenness_method": method,
    }
