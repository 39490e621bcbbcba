"""Network metrics against small graphs computed by hand: a path, a star, two joined triangles."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest

from armsbridge.analysis import network


def _net(pairs, jur=None, when=None):
    ids = sorted({x for p in pairs for x in p})
    nodes = [{"id": i, "jurisdiction": (jur or {}).get(i, "XK")} for i in ids]
    edges = [{"source": a, "target": b, "when": (when or {}).get((a, b))} for a, b in pairs]
    return network.Network(nodes, edges)


PATH = [("a", "b"), ("b", "c"), ("c", "d")]
STAR = [("h", "1"), ("h", "2"), ("h", "3"), ("h", "4")]
# Triangles a-b-c and d-e-f joined by the bridge c-d.
TRIANGLES = [("a", "b"), ("b", "c"), ("a", "c"), ("d", "e"), ("e", "f"), ("d", "f"), ("c", "d")]


def test_path_metrics() -> None:
    net = _net(PATH)
    assert network.degree(net) == {"a": 1, "b": 2, "c": 2, "d": 1}
    between, method = network.betweenness(net)
    # b lies on a-c and a-d: 2 of the 3 pairs not involving it -> 2 / ((4-1)(4-2)/2) = 2/3.
    assert method == "exact"
    assert between == pytest.approx({"a": 0, "b": 2 / 3, "c": 2 / 3, "d": 0})
    # closeness of a: 3 / (1 + 2 + 3) = 0.5; of b: 3 / (1 + 1 + 2) = 0.75.
    assert network.closeness(net)[0] == pytest.approx({"a": 0.5, "b": 0.75, "c": 0.75, "d": 0.5})
    assert network.kcore(net) == dict.fromkeys("abcd", 1)
    assert network.shortest_path(net, "a", "d") == ["a", "b", "c", "d"]


def test_star_metrics() -> None:
    net = _net(STAR)
    assert network.degree(net)["h"] == 4
    between, _ = network.betweenness(net)
    assert between["h"] == pytest.approx(1.0)  # on every path between two leaves
    assert between["1"] == 0
    assert network.closeness(net)[0]["h"] == pytest.approx(1.0)
    assert network.closeness(net)[0]["1"] == pytest.approx(4 / 7)  # 4 / (1 + 2 + 2 + 2)
    eig = network.eigenvector(net)
    assert eig["h"] == pytest.approx(1.0) and eig["1"] == pytest.approx(0.5)  # 1/sqrt(4)
    assert network.shortest_path(net, "1", "2") == ["1", "h", "2"]


def test_two_triangles_and_a_bridge() -> None:
    jur = {"a": "XK", "b": "XK", "c": "XK", "d": "MK", "e": "MK", "f": "MK"}
    net = _net(TRIANGLES, jur)
    between, _ = network.betweenness(net)
    # c and d each lie on the 9 paths from one triangle to the other, minus their own 3 (with
    # themselves an end) that they still cut: c on a/b -> d/e/f = 6 pairs; 6 / 10.
    assert between["c"] == pytest.approx(6 / 10) and between["d"] == pytest.approx(6 / 10)
    assert between["a"] == 0
    assert network.kcore(net) == dict.fromkeys("abcdef", 2)
    groups = network.communities(net)
    assert groups["a"] == groups["b"] == groups["c"]
    assert groups["d"] == groups["e"] == groups["f"] != groups["a"]
    assert sorted(network.bridges(net)) == ["c", "d"]
    assert network.shortest_path(net, "a", "f") == ["a", "c", "d", "f"]
    assert network.shortest_path(net, "a", "zz") == []


def test_time_respecting_path_waits_for_later_links() -> None:
    # a-b met in 2026-03, b-c in 2026-01 (before): no time-respecting a->c through b;
    # a-d 2026-02, d-c 2026-04 is one.
    pairs = [("a", "b"), ("b", "c"), ("a", "d"), ("d", "c")]
    when = {
        ("a", "b"): "2026-03-01",
        ("b", "c"): "2026-01-01",
        ("a", "d"): "2026-02-01",
        ("d", "c"): "2026-04-01",
    }
    net = _net(pairs, when=when)
    assert network.time_respecting_path(net, "a", "c") == (
        ["a", "d", "c"],
        ["2026-02-01", "2026-04-01"],
    )
    late = {**when, ("d", "c"): "2026-01-15"}
    assert network.time_respecting_path(_net(pairs, when=late), "a", "c") == ([], [])


def test_time_respecting_path_crosses_a_confirmed_match_and_skips_undated_links() -> None:
    # a-b 2026-02; b=b2 a confirmed match (timeless); b2-c 2026-03; a-c undated: not usable.
    nodes = [{"id": i} for i in ("a", "b", "b2", "c")]
    edges = [
        {"source": "a", "target": "b", "when": "2026-02-01"},
        {"source": "b", "target": "b2", "when": None, "timeless": True},
        {"source": "b2", "target": "c", "when": "2026-03-01"},
        {"source": "b2", "target": "c", "when": "2026-03-01"},  # the same link twice
        {"source": "a", "target": "c", "when": None},
    ]
    net = network.Network(nodes, edges)
    assert network.time_respecting_path(net, "a", "c") == (
        ["a", "b", "b2", "c"],
        ["2026-02-01", "", "2026-03-01"],
    )
    assert network.time_respecting_path(net, "c", "a") == ([], [])  # 03 then 02: too late
    assert network.time_respecting_path(net, "a", "a") == (["a"], [])


def _earliest_arrivals(edges, start):
    """Earliest arrival date at every node, by relaxing every link until nothing changes."""
    best = {start: ""}
    changed = True
    while changed:
        changed = False
        for e in edges:
            for x, y in ((e["source"], e["target"]), (e["target"], e["source"])):
                if x not in best or not (e["when"] or e.get("timeless")):
                    continue
                when = e["when"] or best[x]
                if when >= best[x] and (y not in best or when < best[y]):
                    best[y], changed = when, True
    return best


@pytest.mark.parametrize("seed", range(40))
def test_time_respecting_path_agrees_with_brute_force(seed) -> None:
    rng = random.Random(seed)
    ids = [str(i) for i in range(12)]
    outside = ["12", "13"] if seed % 2 else []  # links to nodes outside the network: left out
    dates = [None, "2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]
    edges = [
        {"source": a, "target": b, "when": rng.choice(dates), "timeless": rng.random() < 0.1}
        for a, b in (rng.sample(ids + outside, 2) for _ in range(rng.randint(5, 25)))
    ]
    net = network.Network([{"id": i} for i in ids], edges)
    inside = [e for e in edges if e["source"] not in outside and e["target"] not in outside]
    best = _earliest_arrivals(inside, "0")
    for goal in ids[1:]:
        path, when = network.time_respecting_path(net, "0", goal)
        assert bool(path) == (goal in best), (seed, goal)
        if path:
            times = [w for w in when if w]
            assert times == sorted(times)  # never back in time
            assert (times[-1] if times else "") == best[goal]  # and arrives at the earliest
            for (x, y), w in zip(pairwise(path), when, strict=True):
                assert any(
                    {e["source"], e["target"]} == {x, y}
                    and ((e["when"] or "") == w)
                    and (e["when"] or e["timeless"])
                    for e in edges
                )


def test_approximate_betweenness_ranks_the_hub_first() -> None:
    net = _net(TRIANGLES)
    between, method = network.betweenness(net, approximate=True)
    assert "approximate" in method
    assert max(between, key=between.get) in ("c", "d")
    assert set(network.metrics(net)) >= {"degree", "closeness", "eigenvector", "kcore"}
    close, method = network.closeness(net, approximate=True)
    assert "approximate" in method and max(close, key=close.get) in ("c", "d")
