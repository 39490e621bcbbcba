"""Hit/no-hit: set build, incremental update, query latency and bytes, next to raw openmined-psi.

The answering node's store (SQLite, WAL) holds N records of its own (60 % phones, 20 % plates,
20 % serials: one match key each). Measured in the same run:

- build from scratch: `refresh_hitset` (keys, one seal per key, rows) vs the library's
  `CreateSetupMessage` (GCS) over the same N items;
- incremental update for 1,000 new records: `refresh_hitset` vs the library's only way, a new
  setup over N + 1,000 items (estimated from the build, per item);
- query latency p50/p95 for 1 and 100 items (half of them hits), asker holding the peer's tags:
  both steps, budgets charged and committed, vs raw CreateRequest + ProcessRequest +
  GetIntersection against a setup already held by the client;
- bytes on the wire per query (and the one-off download of the tags);
- then, between two real node processes over loopback HTTP (bench/exchange_wire.py): the full
  signed envelopes and receipts per query, and the end-to-end latency of the analyst's page
  (XK's POST /exchange/hit, both steps posted to MK's inbox), 1 and 100 items.

    .venv/bin/python bench/exchange.py                      # 10^6 keys
    .venv/bin/python bench/exchange.py --keys 100000        # a few minutes
    .venv/bin/python bench/exchange.py --keys 100000 --no-nodes   # the core only
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import exchange_wire
import private_set_intersection.python as psi_lib
from sqlalchemy.orm import Session

from armsbridge.db import keys
from armsbridge.db.engine import make_engine
from armsbridge.db.rows import insert_rows
from armsbridge.exchange.hit_input import Entry
from armsbridge.exchange.hitset import refresh_hitset
from armsbridge.exchange.psi import (
    PeerSet,
    answer_query,
    answer_reveal,
    finish_query,
    finish_reveal,
    item_digest,
    reveal_request,
    start_query,
)
from armsbridge.records.models import Firearm, Phone, Vehicle
from armsbridge.settings import Settings

RESULTS = Path(__file__).parent / "results" / "exchange.json"
FPR = 1e-9


def _records(
    start: int, count: int, age: timedelta = timedelta(0)
) -> tuple[dict[Any, list[dict[str, Any]]], list[str]]:
    """Return rows of phones, vehicles and firearms numbered from `start`, and their keys."""
    now = datetime.now(UTC) - age
    base = {"jurisdiction": "MK", "handling_code": "H0", "created_at": now, "updated_at": now}
    rows: dict[Any, list[dict[str, Any]]] = {Phone: [], Vehicle: [], Firearm: []}
    keys_: list[str] = []
    for i in range(start, start + count):
        if i % 5 < 3:
            e164 = f"+3897{i:08d}"
            rows[Phone].append({**base, "number_raw": e164, "e164": e164, "country": "MK"})
            keys_.append(f"phone:{e164}")
        elif i % 5 == 3:
            plate = f"SK{i:07d}AA"
            rows[Vehicle].append({**base, "plate_raw": plate, "plate_normalised": plate})
            keys_.append(f"plate:{plate}")
        else:
            serial = f"K{i:08d}"
            rows[Firearm].append({**base, "serial_raw": serial, "serial_normalised": serial})
            keys_.append(f"serial:{serial}")
    return rows, keys_


def _defaults(model: Any) -> dict[str, Any]:
    """Return the scalar Python-side defaults of a table (insert_rows needs every column)."""
    out = {}
    for col in model.__table__.columns:
        if col.default is not None and col.default.is_scalar:
            out[col.name] = col.default.arg
    return out


def _insert(session: Session, rows: dict[Any, list[dict[str, Any]]]) -> None:
    for model, part in rows.items():
        fill = _defaults(model)
        part = [{**fill, **row} for row in part]
        for at in range(0, len(part), 50_000):
            insert_rows(session, model.__table__, part[at : at + 50_000])
    session.commit()


def _entry(key: str) -> Entry:
    """Return what an analyst types for a stored plate or serial key."""
    kind, value = key.split(":", 1)
    return Entry(kind, value)


def digests_of(items: list[str]) -> list[str]:
    """Return the PSI items of match keys."""
    return [item_digest(i) for i in items]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ours(session: Session, settings: Settings, items: list[str], peer: PeerSet) -> int:
    """One full query, both steps, committed; return the bytes on the wire."""
    state, request = start_query(items, peer)
    response = answer_query(session, request, peer="XK", user="bench", settings=settings)
    session.commit()
    hits = finish_query(state, response)
    second = reveal_request(hits)
    answer, _ = answer_reveal(session, second, settings=settings)
    finish_reveal(hits, answer)
    return len(request) + len(response) + len(second) + len(answer)


def main() -> None:
    """Run the benchmark and write bench/results/exchange.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", "--items", dest="items", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument(
        "--no-nodes", action="store_true", help="Skip the two node processes over HTTP."
    )
    args = parser.parse_args()
    n, rng = args.items, random.Random(7)
    out: dict[str, Any] = {"items": n, "queries": args.queries}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # The answering node's own store (it serves it over HTTP at the end).
        settings = Settings(
            var_dir=folder / "mk",
            jurisdiction="MK",
            hit_budget_user_per_day=10**9,
            hit_budget_peer_per_day=10**9,
        )
        exchange_wire.prepare_store(settings)
        keys.use_node(settings)
        engine = make_engine(settings.effective_database_url())
        session = Session(engine, expire_on_commit=False)
        # The store's records were written an hour ago; the 1,000 new ones now.
        rows, stored = _records(0, n, timedelta(hours=1))
        t = time.perf_counter()
        _insert(session, rows)
        out["insert_records_s"] = round(time.perf_counter() - t, 2)
        print(f"{n} records inserted in {out['insert_records_s']} s")

        t = time.perf_counter()
        report = refresh_hitset(session, settings=settings)
        session.commit()
        out["build_s"] = round(time.perf_counter() - t, 2)
        print(f"set built: {report.added} keys in {out['build_s']} s")

        digests = [item_digest(k) for k in stored]
        raw_server = psi_lib.server.CreateWithNewKey(True)
        t = time.perf_counter()
        setup = raw_server.CreateSetupMessage(FPR, 100, digests, psi_lib.DataStructure.GCS)
        out["raw_build_s"] = round(time.perf_counter() - t, 2)
        out["raw_setup_bytes"] = len(setup.SerializeToString())
        print(f"raw setup (GCS) in {out['raw_build_s']} s, {out['raw_setup_bytes']} bytes")

        new_rows, new_keys = _records(n, 1000)
        _insert(session, new_rows)
        t = time.perf_counter()
        report = refresh_hitset(session, settings=settings)
        session.commit()
        out["update_1000_s"] = round(time.perf_counter() - t, 2)
        out["raw_update_1000_s_estimated"] = round(out["raw_build_s"] * (n + 1000) / n, 2)
        print(f"1000 new records: {report.added} keys in {out['update_1000_s']} s")
        stored += new_keys

        peer = PeerSet()
        t = time.perf_counter()
        first = _ours(session, settings, [stored[0]], peer)
        out["first_query_s"] = round(time.perf_counter() - t, 2)
        out["first_query_bytes"] = first
        print(f"first query (downloads the tags): {first} bytes in {out['first_query_s']} s")

        client = psi_lib.client.CreateWithNewKey(True)
        for size in (1, 100):
            ours_ms, raw_ms, fresh_ms, ours_bytes, raw_bytes = [], [], [], [], []
            for _ in range(args.queries):
                hits = rng.sample(stored[:n], (size + 1) // 2)
                misses = [f"phone:+38344{rng.randrange(10**6):06d}" for _ in range(size // 2)]
                items = hits + misses
                t = time.perf_counter()
                ours_bytes.append(_ours(session, settings, items, peer))
                ours_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                request = client.CreateRequest(digests_of(items))
                response = raw_server.ProcessRequest(request)
                found = client.GetIntersection(setup, response)
                raw_ms.append((time.perf_counter() - t) * 1000)
                assert len(found) == len(hits)
                t = time.perf_counter()  # a fresh client key per query, as ours uses
                fresh = psi_lib.client.CreateWithNewKey(True)
                response = raw_server.ProcessRequest(fresh.CreateRequest(digests_of(items)))
                fresh.GetIntersection(setup, response)
                fresh_ms.append((time.perf_counter() - t) * 1000)
                raw_bytes.append(
                    len(request.SerializeToString()) + len(response.SerializeToString())
                )
            row = {
                "ours_p50_ms": round(statistics.median(ours_ms), 2),
                "ours_p95_ms": round(_pct(ours_ms, 0.95), 2),
                "raw_p50_ms": round(statistics.median(raw_ms), 2),
                "raw_p95_ms": round(_pct(raw_ms, 0.95), 2),
                "raw_fresh_key_p50_ms": round(statistics.median(fresh_ms), 2),
                "raw_fresh_key_p95_ms": round(_pct(fresh_ms, 0.95), 2),
                "ours_bytes": round(statistics.mean(ours_bytes)),
                "raw_bytes_without_setup": round(statistics.mean(raw_bytes)),
                "raw_bytes_with_setup": round(statistics.mean(raw_bytes)) + out["raw_setup_bytes"],
            }
            row["overhead_p50"] = round(row["ours_p50_ms"] / row["raw_p50_ms"], 2)
            row["overhead_p50_vs_fresh_key"] = round(
                row["ours_p50_ms"] / row["raw_fresh_key_p50_ms"], 2
            )
            out[f"query_{size}"] = row
            print(f"{size:>3} items: {row}")
        session.close()
        engine.dispose()
        keys.use_node(None)
        if not args.no_nodes:
            values = [_entry(k) for k in stored[:n] if not k.startswith("phone:")]
            xk = Settings(var_dir=folder / "xk", jurisdiction="XK")
            out.update(exchange_wire.run(settings, xk, values, args.queries, rng))
    out["load_average_1m"] = round(os.getloadavg()[0], 2)  # the machine is shared
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
