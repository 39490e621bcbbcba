"""Delivery throughput between two real node processes, with the receiving peer restarting.

Two `armsbridge serve` processes on loopback (Kosovo sends, North Macedonia receives), each with
its own var dir and store, the delivery worker inside Kosovo's server with the production
settings (poll every 1 s, retries from 2 s doubling). Measured in the same run:

- baseline: N pings queued in one transaction, the peer up throughout: messages/s from the
  commit to the last signed receipt;
- restart: N more pings, the peer killed (kill -9) once a third are delivered and started again
  at once: messages/s over the same span, as a ratio to the baseline, and how long the peer was
  away (kill to answering /health again);
- both runs checked: every message applied exactly once (inbox ids equal outbox ids, the peer's
  ping counter grew by N), none left undelivered.

    .venv/bin/python bench/delivery.py                        # 2,000 messages, SQLite
    .venv/bin/python bench/delivery.py --messages 500 --database postgresql
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from armsbridge.exchange import service  # noqa: E402
from exchange_nodes import Node, pg_admin_url, pg_database, wait_for  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "delivery.json"
# Production delivery settings (tests/exchange_nodes.py shortens them for the tests).
PRODUCTION = {
    "ARMSBRIDGE_EXCHANGE_POLL_SECONDS": "1.0",
    "ARMSBRIDGE_EXCHANGE_RETRY_BASE_SECONDS": "2.0",
    "ARMSBRIDGE_EXCHANGE_RETRY_MAX_SECONDS": "3600",
}


def _queue(xk: Node, count: int, label: str) -> tuple[set[str], float]:
    """Queue `count` pings to MK in one transaction; return their ids and the commit time."""
    with xk.store() as session:
        peer = service.get_peer(session, "MK")
        ids = {
            service.enqueue(
                session, peer=peer, kind=service.PING, body={"run": label, "n": n}
            ).message_id
            for n in range(count)
        }
    return ids, time.perf_counter()


def _delivered(xk: Node, ids: set[str]) -> int:
    rows = xk.query("select message_id from exchange_outbox where state = 'delivered'")
    return len({r[0] for r in rows} & ids)


def _check(xk: Node, mk: Node, ids: set[str], before: int) -> dict[str, Any]:
    received = [r[0] for r in mk.query("select message_id from exchange_inbox where kind='ping'")]
    ours = [m for m in received if m in ids]
    states = dict(xk.query("select state, count(*) from exchange_outbox group by state"))
    return {
        "lost": len(ids - set(ours)),
        "applied_twice": len(ours) - len(set(ours)),
        "pings_applied": mk.pings_from("XK") - before,
        "undelivered": sum(n for s, n in states.items() if s != "delivered"),
    }


def run(xk: Node, mk: Node, count: int, *, restart: bool) -> dict[str, Any]:
    """Queue `count` pings and wait until all are delivered (killing the peer once if asked)."""
    before = mk.pings_from("XK")
    ids, started = _queue(xk, count, "restart" if restart else "baseline")
    timeline: dict[str, float] = {}
    if restart:
        wait_for(lambda: _delivered(xk, ids) >= count // 3, timeout=600, every=0.02)
        killed = time.perf_counter()
        mk.kill()
        mk.start()
        back = time.perf_counter()
        at_back = _delivered(xk, ids)
        wait_for(lambda: _delivered(xk, ids) > at_back, timeout=7200, every=0.02)
        resumed = time.perf_counter()
        at_resume = _delivered(xk, ids)
        timeline = {"killed": killed, "back": back, "resumed": resumed, "left": at_resume}
    wait_for(lambda: _delivered(xk, ids) >= count, timeout=7200, every=0.02)
    finished = time.perf_counter()
    elapsed = finished - started
    out = {
        "messages": count,
        "seconds": round(elapsed, 2),
        "per_second": round(count / elapsed, 1),
        **_check(xk, mk, ids, before),
    }
    if timeline:
        # kill -9 to answering /health again; then until the held message's next attempt
        out["peer_away_seconds"] = round(timeline["back"] - timeline["killed"], 2)
        out["backoff_wait_seconds"] = round(timeline["resumed"] - timeline["back"], 2)
        rest = (count - timeline["left"]) / max(1e-9, finished - timeline["resumed"])
        out["per_second_after_resume"] = round(rest, 1)
    return out


def main() -> None:
    """Run the benchmark and write bench/results/delivery.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        urls: dict[str, str | None] = {"XK": None, "MK": None}
        if args.database == "postgresql":
            admin = pg_admin_url()
            if not admin:
                sys.exit("no PostgreSQL server reachable")
            urls = {j: stack.enter_context(pg_database(admin, f"bench_{j}")) for j in urls}
        xk, mk = (Node(Path(tmp), j, urls[j], **PRODUCTION) for j in ("XK", "MK"))
        stack.callback(lambda: [n.dispose() for n in (xk, mk)])
        for node in (xk, mk):
            node.init()
        xk.add_peer(mk)
        mk.add_peer(xk)
        stack.callback(lambda: [n.stop() for n in (xk, mk)])
        for node in (xk, mk):
            node.launch()
        for node in (xk, mk):
            node.wait_ready()
        run(xk, mk, 50, restart=False)  # warm-up: connections open, pages cached
        baseline = run(xk, mk, args.messages, restart=False)
        restart = run(xk, mk, args.messages, restart=True)
    ratio = restart["per_second"] / baseline["per_second"]
    out = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": args.database,
        "settings": PRODUCTION,
        "baseline": baseline,
        "restart": restart,
        "restart_to_baseline": round(ratio, 3),
    }
    print(f"delivery between two node processes ({args.database}), {args.messages:,} messages")
    head = f"{'run':<10}{'s':>8}{'msg/s':>9}{'lost':>6}{'twice':>7}"
    print(head + f"{'away s':>8}{'back-off s':>12}{'msg/s after':>13}")
    for name, r in (("baseline", baseline), ("restart", restart)):
        extra = [r.get(k, "") for k in ("peer_away_seconds", "backoff_wait_seconds")]
        print(
            f"{name:<10}{r['seconds']:>8}{r['per_second']:>9}{r['lost']:>6}"
            f"{r['applied_twice']:>7}{extra[0]:>8}{extra[1]:>12}"
            f"{r.get('per_second_after_resume', ''):>13}"
        )
    print(f"restart / baseline: {ratio:.2f}")
    bad = [r for r in (baseline, restart) if r["lost"] or r["applied_twice"] or r["undelivered"]]
    bad += [r for r in (baseline, restart) if r["pings_applied"] != r["messages"]]
    name = "delivery.json" if args.database == "sqlite" else f"delivery-{args.database}.json"
    RESULTS.with_name(name).write_text(json.dumps(out, indent=2) + "\n")
    if bad:
        sys.exit("messages lost or applied twice: see " + str(RESULTS.with_name(name)))


if __name__ == "__main__":
    main()
