"""The sampled betweenness estimator: exact when every node is a source, seeded, disconnected."""

from __future__ import annotations

from itertools import combinations
from random import Random

import igraph as ig
import numpy as np
import pytest

from armsbridge.analysis import network
from armsbridge.analysis.sampled import linear_scaled_betweenness


def _exact(g: ig.Graph) -> np.ndarray:
    n = g.vcount()
    simple = g.copy().simplify(multiple=True, loops=True)
    return np.asarray(simple.betweenness(directed=False)) * 2 / ((n - 1) * (n - 2))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_node_a_source_gives_exact_betweenness(seed: int) -> None:
    # Linear scaling splits each pair between its two ends, weights adding to 1: with all nodes
    # as sources the estimate is the exact value (a wrong weight or level breaks this).
    # Many equal-length paths, several levels; the added links may repeat a drawn one.
    pairs = Random(seed).sample(list(combinations(range(60), 2)), 150)
    g = ig.Graph(n=60, edges=pairs + [(0, 1), (1, 2)])
    net = network.from_edge_list(g.vcount(), g.get_edgelist())
    got = linear_scaled_betweenness(network.adjacency(net), g.vcount(), seed=seed)
    assert got == pytest.approx(_exact(g), abs=1e-12)


def test_disconnected_graph_and_isolated_nodes() -> None:
    pairs = [(0, 1), (1, 2), (3, 4), (4, 5), (3, 5), (5, 6)]
    net = network.from_edge_list(9, pairs)  # 7 and 8 isolated
    got = linear_scaled_betweenness(network.adjacency(net), 9)
    assert got == pytest.approx(_exact(net.graph), abs=1e-12)


def test_a_pair_linked_twice_counts_once_in_both_methods() -> None:
    # 0-1 twice: igraph alone would count two shortest paths through the double tie.
    net = network.from_edge_list(5, [(0, 1), (0, 1), (1, 2), (0, 3), (3, 2), (2, 4)])
    exact, _ = network.betweenness(net, approximate=False)
    sampled, _ = network.betweenness(net, approximate=True)
    assert list(exact.values()) == pytest.approx(list(sampled.values()), abs=1e-12)


def test_sampled_sources_are_seeded_and_find_the_hub() -> None:
    g = ig.Graph.Barabasi(3000, 3)
    net = network.from_edge_list(g.vcount(), g.get_edgelist())
    a = linear_scaled_betweenness(network.adjacency(net), 32, seed=5)
    b = linear_scaled_betweenness(network.adjacency(net), 32, seed=5)
    assert np.array_equal(a, b)
    exact = _exact(g)
    assert set(np.argsort(-a)[:5]) & set(np.argsort(-exact)[:5])
    assert a.sum() == pytest.approx(exact.sum(), rel=0.2)  # unbiased: the totals agree
