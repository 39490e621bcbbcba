"""Network metrics at 10^6 edges, networkx on a 10^5-edge sample, and chart expansion latency.

1. A scale-free graph (igraph Barabási–Albert, m=3) of E edges, half its nodes XK and half MK:
   the time of every metric of analysis.network (betweenness and closeness estimated from
   sampled sources past 5*10^4 edges, as the product does). Baseline in the same run: networkx on a
   sample of E/10 edges (closeness timed on 200 sources and scaled up, said so in the table).
2. A graph built from a generated store (bench/web.py's store builder plus person-to-person
   and person-to-phone links), read back through analysis.service.gather, with its metrics.
3. Chart expansion: p50/p95 of service.build_chart from one person (restrict(), provenance,
   communities, consultation log) on that store; baseline records.related.linked, the record
   page's links query, for the same persons.

    .venv/bin/python bench/network.py --edges 100000 --persons 2000    # quick
    .venv/bin/python bench/network.py                                  # 10^6 edges, 10^5 persons
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path
from random import Random
from typing import Any

RESULTS = Path(__file__).parent / "results" / "network.json"
GOAL_METRICS_S = 15.0
GOAL_P95_MS = 300.0


def timed(fn: Any) -> tuple[Any, float]:
    """Return (fn(), seconds)."""
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def igraph_metrics(net: Any) -> dict[str, float]:
    """Time every metric of analysis.network on one network; return {metric: seconds}."""
    from armsbridge.analysis import network

    n = net.graph.vcount()
    a, b = net.nodes[0]["id"], net.nodes[n // 2]["id"]
    out: dict[str, float] = {}
    for name, fn in (
        ("degree", lambda: network.degree(net)),
        ("betweenness", lambda: network.betweenness(net)),
        ("closeness", lambda: network.closeness(net)),
        ("eigenvector", lambda: network.eigenvector(net)),
        ("k-core", lambda: network.kcore(net)),
        ("communities (Leiden)", lambda: network.communities(net)),
        ("cross-border bridges", lambda: network.bridges(net)),
        ("shortest path", lambda: network.shortest_path(net, a, b)),
        ("time-respecting path", lambda: network.time_respecting_path(net, a, b)),
    ):
        value, seconds = timed(fn)
        out[name] = seconds
        if name in ("betweenness", "closeness"):
            out[name + " method"] = value[1]
    return out


def scale_free(edges: int, seed: int) -> Any:
    """Return a Network of a Barabási–Albert graph with about `edges` edges, dated links."""
    import igraph as ig

    from armsbridge.analysis import network

    ig.set_random_number_generator(Random(seed))
    g = ig.Graph.Barabasi(max(edges // 3, 10), 3)
    rng = Random(seed)
    nodes = [{"id": str(i), "jurisdiction": "XK" if i % 2 else "MK"} for i in range(g.vcount())]
    pairs = g.get_edgelist()
    dated = [
        {"source": str(x), "target": str(y), "when": f"2026-{rng.randint(1, 12):02d}-01"}
        for x, y in pairs
    ]
    net = network.Network.__new__(network.Network)
    net.nodes, net.edges, net.graph = nodes, dated, g
    net.index = {n["id"]: i for i, n in enumerate(nodes)}
    return net


def networkx_metrics(pairs: list[tuple[int, int]], seed: int) -> dict[str, float]:
    """Time networkx's equivalents on a sample graph; closeness on 200 sources, scaled."""
    import networkx as nx

    g = nx.Graph(pairs)
    nodes = list(g.nodes)
    rng = Random(seed)
    out: dict[str, float] = {}
    out["degree"] = timed(lambda: dict(g.degree()))[1]
    out["betweenness"] = timed(lambda: nx.betweenness_centrality(g, k=100, seed=seed))[1]
    sources = rng.sample(nodes, min(200, len(nodes)))
    part = timed(lambda: [nx.closeness_centrality(g, u=u) for u in sources])[1]
    out["closeness"] = part * len(nodes) / len(sources)
    giant = g.subgraph(max(nx.connected_components(g), key=len))  # numpy needs one component
    out["eigenvector"] = timed(lambda: nx.eigenvector_centrality_numpy(giant))[1]
    out["k-core"] = timed(lambda: nx.core_number(g))[1]
    out["communities (Leiden)"] = timed(lambda: nx.community.louvain_communities(g, seed=seed))[1]
    ends = list(giant.nodes)
    out["shortest path"] = timed(lambda: nx.shortest_path(g, ends[0], ends[len(ends) // 2]))[1]
    return out


def load_web_bench() -> Any:
    """Import bench/web.py (its store builder) as a module."""
    spec = importlib.util.spec_from_file_location("bench_web", Path(__file__).parent / "web.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def add_links(var_dir: Path, persons: list[int], seed: int) -> int:
    """Add person-person (dated) and person-phone links to the store; return how many."""
    from sqlalchemy import select

    from armsbridge.auth.principal import node_principal
    from armsbridge.db.engine import engine_from_settings
    from armsbridge.db.session import make_sessionmaker, session_scope
    from armsbridge.records.bulk import bulk_write
    from armsbridge.records.models import Phone
    from armsbridge.records.validation import prepare_values
    from armsbridge.settings import Settings

    rng = Random(seed)
    bench = node_principal("MK", purpose="bench")
    engine = engine_from_settings(Settings(var_dir=var_dir))
    factory = make_sessionmaker(engine)
    with session_scope(factory) as s:
        phones = list(s.scalars(select(Phone.id)))
    rows = []
    for i, person in enumerate(persons):
        for k in range(2):  # preferential-ish: half the links go to the first tenth
            other = persons[rng.randrange(len(persons) // 10 if k else len(persons))]
            if other != person:
                rows.append(("associate_of", "person", person, "person", other, i, k))
        if phones and i % 3 == 0:
            rows.append(("user_of", "person", person, "phone", rng.choice(phones), i, 2))
    links = [
        prepare_values(
            "link",
            {
                "jurisdiction": "MK",
                "external_ref": f"n{i}-{k}",
                "kind": kind,
                "from_type": ft,
                "from_id": fi,
                "to_type": tt,
                "to_id": ti,
                "valid_from": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            },
        )
        for kind, ft, fi, tt, ti, i, k in rows
    ]
    for start in range(0, len(links), 20000):
        with session_scope(factory) as s:
            bulk_write(
                s, record_type="link", inserts=links[start : start + 20000], updates=[], user=bench
            )
    engine.dispose()
    return len(links)


def expansion(var_dir: Path, samples: list[int], rounds: int) -> dict[str, Any]:
    """Time build_chart from sample persons (and linked() as baseline); p50/p95 in ms."""
    from sqlalchemy import select

    from armsbridge.analysis import service
    from armsbridge.auth.models import User
    from armsbridge.auth.principal import principal_of
    from armsbridge.db.engine import engine_from_settings
    from armsbridge.db.session import make_sessionmaker
    from armsbridge.records.related import linked
    from armsbridge.settings import Settings

    engine = engine_from_settings(Settings(var_dir=var_dir))
    session = make_sessionmaker(engine)()
    user = principal_of(session.scalar(select(User).where(User.username == "bench")), via="bench")
    chart_ms, base_ms, sizes = [], [], []
    try:
        for i in range(rounds):
            pid = samples[i % len(samples)]
            _, s = timed(
                lambda pid=pid: linked(session, user=user, record_type="person", record_id=pid)
            )
            base_ms.append(s * 1000)
            chart, s = timed(
                lambda pid=pid: service.build_chart(
                    session, user=user, expanded=[f"person:{pid}"], why="bench: expansion"
                )
            )
            chart_ms.append(s * 1000)
            sizes.append(len(chart.nodes))
        session.rollback()  # the consultation entries of the bench are not kept
    finally:
        session.close()
        engine.dispose()
    return {
        "chart_p50_ms": pct(chart_ms, 0.5),
        "chart_p95_ms": pct(chart_ms, 0.95),
        "linked_p50_ms": pct(base_ms, 0.5),
        "linked_p95_ms": pct(base_ms, 0.95),
        "mean_nodes": sum(sizes) / len(sizes),
        "rounds": rounds,
    }


def store_graph(var_dir: Path, persons: list[int]) -> tuple[Any, float]:
    """Read every readable record and link of the store into a Network; return it, seconds."""
    from sqlalchemy import select

    from armsbridge.analysis import network
    from armsbridge.db.engine import engine_from_settings
    from armsbridge.db.session import make_sessionmaker
    from armsbridge.records.models import Link
    from armsbridge.settings import Settings

    engine = engine_from_settings(Settings(var_dir=var_dir))
    session = make_sessionmaker(engine)()
    started = time.perf_counter()
    rows = session.execute(
        select(Link.from_type, Link.from_id, Link.to_type, Link.to_id, Link.valid_from)
    ).all()
    ids = {f"{t}:{i}" for ft, fi, tt, ti, _w in rows for t, i in ((ft, fi), (tt, ti))}
    nodes = [{"id": i, "jurisdiction": "MK"} for i in sorted(ids)]
    edges = [
        {"source": f"{ft}:{fi}", "target": f"{tt}:{ti}", "when": w} for ft, fi, tt, ti, w in rows
    ]
    net = network.Network(nodes, edges)
    seconds = time.perf_counter() - started
    session.close()
    engine.dispose()
    return net, seconds


def pct(values: list[float], q: float) -> float:
    """Return the q-quantile of values."""
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 2)


def table(rows: list[tuple[str, ...]]) -> None:
    """Print rows as an aligned table."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def main() -> None:
    """Run the three parts and write bench/results/network.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

    net = scale_free(args.edges, args.seed)
    ours = igraph_metrics(net)
    sample = Random(args.seed).sample(net.graph.get_edgelist(), args.edges // 10)
    theirs = networkx_metrics(sample, args.seed)
    total = sum(v for k, v in ours.items() if not k.endswith("method"))
    rows = [("metric", f"armsbridge {net.graph.ecount()} edges s", f"networkx {len(sample)} s")]
    for name, seconds in ours.items():
        if name.endswith("method"):
            continue
        other = theirs.get(name)
        rows.append((name, f"{seconds:.3f}", f"{other:.3f}" if other is not None else "-"))
    rows.append(("all metrics", f"{total:.2f}", f"{sum(theirs.values()):.2f}"))
    print(f"\n1. Scale-free graph: {net.graph.vcount()} nodes, {net.graph.ecount()} edges")
    table(rows)
    print(f"   betweenness: {ours['betweenness method']}; closeness: {ours['closeness method']}")
    print("   networkx: betweenness k=100 sources; closeness 200 sources scaled to all nodes;")
    print(
        f"   Louvain for communities. Goal all metrics <= {GOAL_METRICS_S} s: "
        f"{'met' if total <= GOAL_METRICS_S else 'NOT met'}"
    )

    web = load_web_bench()
    with tempfile.TemporaryDirectory() as folder:
        var_dir = Path(folder)
        samples, build_s = timed(lambda: web.build_store(var_dir, args.persons, args.seed))
        from sqlalchemy import select

        from armsbridge.db.engine import engine_from_settings
        from armsbridge.records.models import Person
        from armsbridge.settings import Settings

        engine = engine_from_settings(Settings(var_dir=var_dir))
        with engine.connect() as conn:
            persons = list(conn.scalars(select(Person.id).where(Person.jurisdiction == "MK")))
        engine.dispose()
        links, links_s = timed(lambda: add_links(var_dir, persons, args.seed))
        store_net, read_s = store_graph(var_dir, persons)
        store = igraph_metrics(store_net)
        store_total = sum(v for k, v in store.items() if not k.endswith("method"))
        expand = expansion(var_dir, Random(args.seed).sample(persons, 100), args.rounds)
    print(
        f"\n2. Store graph: {args.persons} persons, {links} links added "
        f"({build_s:.0f} s store, {links_s:.0f} s links); read into a graph in {read_s:.2f} s: "
        f"{store_net.graph.vcount()} nodes, {store_net.graph.ecount()} edges"
    )
    table(
        [("metric", "s")] + [(k, f"{v:.3f}") for k, v in store.items() if not k.endswith("method")]
    )
    print(f"   all metrics: {store_total:.2f} s")
    print(
        f"\n3. Chart expansion from one person, {expand['rounds']} rounds "
        f"(mean {expand['mean_nodes']:.1f} nodes)"
    )
    table(
        [
            ("", "p50 ms", "p95 ms"),
            ("service.build_chart", f"{expand['chart_p50_ms']}", f"{expand['chart_p95_ms']}"),
            (
                "related.linked (baseline)",
                f"{expand['linked_p50_ms']}",
                f"{expand['linked_p95_ms']}",
            ),
            (
                "ratio",
                f"{expand['chart_p50_ms'] / max(expand['linked_p50_ms'], 0.01):.1f}x",
                f"{expand['chart_p95_ms'] / max(expand['linked_p95_ms'], 0.01):.1f}x",
            ),
        ]
    )
    print(
        f"   goal p95 <= {GOAL_P95_MS} ms: "
        f"{'met' if expand['chart_p95_ms'] <= GOAL_P95_MS else 'NOT met'}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "args": vars(args),
                "scale_free": {
                    "nodes": net.graph.vcount(),
                    "edges": net.graph.ecount(),
                    "seconds": ours,
                    "total_s": round(total, 3),
                },
                "networkx_sample": {
                    "edges": len(sample),
                    "seconds": theirs,
                    "notes": "betweenness k=100; closeness 200 sources scaled; Louvain; "
                    "eigenvector on the largest component",
                },
                "store": {
                    "persons": args.persons,
                    "links_added": links,
                    "nodes": store_net.graph.vcount(),
                    "edges": store_net.graph.ecount(),
                    "read_s": round(read_s, 3),
                    "seconds": store,
                    "total_s": round(store_total, 3),
                },
                "expansion": expand,
                "goals": {"metrics_s": GOAL_METRICS_S, "expansion_p95_ms": GOAL_P95_MS},
            },
            indent=2,
            default=str,
        )
        + "\n"
    )
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
