"""Web latency: p50/p95 of search, record and list pages under concurrent clients, on a server.

Builds a store of N persons (default 10^5; MK ones written in Cyrillic, XK ones in Latin) with
firearms, vehicles, phones and links, serves it with `armsbridge serve` (uvicorn) on loopback,
signs in one session per client, and sends a bounded number of requests per workload from C
concurrent httpx clients, after one untimed round of C requests of that workload (whose slowest
answer is reported as first_round_max_ms). Baseline: GET /health in the same run (no database,
no template).

    .venv/bin/python bench/web.py --persons 2000          # quick
    .venv/bin/python bench/web.py                         # 10^5 persons, 20 clients
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from random import Random
from typing import Any

import httpx

RESULTS = Path(__file__).parent / "results" / "web.json"
# Raised when the samples (or the store schema they go with) change: a kept store is refused.
SAMPLES_VERSION = 2
PASSWORD = "bench-password-2026"
GOAL_P95_MS = 200.0


def build_store(var_dir: Path, persons: int, seed: int) -> dict[str, list[Any]]:
    """Create the store and fill it in batches; return sample queries and ids for the clients."""
    from armsbridge.auth import service as auth_service
    from armsbridge.auth.principal import node_principal
    from armsbridge.db import service as db_service
    from armsbridge.db.engine import engine_from_settings
    from armsbridge.db.session import make_sessionmaker, session_scope
    from armsbridge.records.bulk import bulk_write
    from armsbridge.records.models import name_key_words
    from armsbridge.records.validation import prepare_values
    from armsbridge.settings import Settings
    from armsbridge.synth.names import name_book

    BENCH = node_principal("XK", purpose="bench")  # noqa: N806 - bench data is the node's

    settings = Settings(var_dir=var_dir)
    engine = engine_from_settings(settings)
    db_service.upgrade(engine)
    factory = make_sessionmaker(engine)
    rng = Random(seed)
    spell = Random(seed + 1)  # spellings of the one-word queries; leaves the store as it was
    book = name_book()
    samples: dict[str, Any] = {"version": SAMPLES_VERSION, "names": [], "serials": []}
    samples.update({"persons": [], "firearms": [], "one_word": [], "no_hit": []})
    key_words: list[set[str]] = []
    items = max(persons // 10, 10)
    batch = 5000
    with session_scope(factory) as s:
        auth_service.create_user(
            s, username="bench", password=PASSWORD, role="analyst", jurisdiction="MK"
        )
    for start in range(0, persons, batch):
        rows = []
        for i in range(start, min(start + batch, persons)):
            lang = rng.choice(("sq", "mk", "mk", "sr"))
            given = book.pick(rng, lang, rng.choice(("male", "female")))
            family = book.pick(rng, lang, "family")
            mk = i % 2 == 0
            if mk:
                g, f = book.cyrillic(given, lang, rng), book.cyrillic(family, lang, rng)
                if len(samples["names"]) < 200:
                    samples["names"].append(
                        f"{book.latin(given, lang, 'sq')} {book.latin(family, lang, 'sq')}"
                    )
            else:
                g, f = book.latin(given, lang, "sq"), book.latin(family, lang, "sq")
            if len(samples["one_word"]) < 200:
                # The family name alone, half in Latin and half in Cyrillic, so that half the
                # queries are in the other script than the record (i % 4: 0, 3 cross; 1, 2 not).
                latin = i % 4 in (0, 1)
                samples["one_word"].append(
                    book.latin(family, lang, "sq") if latin else book.cyrillic(family, lang, spell)
                )
            rows.append(
                prepare_values(
                    "person",
                    {
                        "jurisdiction": "MK" if mk else "XK",
                        "external_ref": f"p{i}",
                        "given_name": g,
                        "family_name": f,
                        "birth_date": f"{rng.randint(1950, 2005)}",
                    },
                )
            )
        key_words += [set(name_key_words(row.get("name_key"))) for row in rows]
        with session_scope(factory) as s:
            ids = bulk_write(s, record_type="person", inserts=rows, updates=[], user=BENCH)
            samples["persons"] += [v for (j, _r), v in ids.items() if j == "MK"][:50]
    with session_scope(factory) as s:
        rows = []
        for i in range(items):
            serial = f"{rng.choice('ABCKMTX')}{rng.randint(10000, 999999)}"
            rows.append(
                prepare_values(
                    "firearm",
                    {
                        "jurisdiction": "MK",
                        "external_ref": f"f{i}",
                        "make": rng.choice(("Zastava", "Zoraki", "CZ", "Ekol")),
                        "model": rng.choice(("M70", "M57", "914", "99", "Firat")),
                        "serial_raw": serial,
                    },
                )
            )
            if i < 200:
                samples["serials"].append(serial if i % 2 else serial[1:5])
        ids = bulk_write(s, record_type="firearm", inserts=rows, updates=[], user=BENCH)
        samples["firearms"] = list(ids.values())[:200]
        phones = [
            prepare_values(
                "phone",
                {
                    "jurisdiction": "MK",
                    "external_ref": f"t{i}",
                    "number_raw": f"07{rng.randint(0, 9)} {rng.randint(100, 999)} "
                    f"{rng.randint(100, 999)}",
                },
            )
            for i in range(items)
        ]
        bulk_write(s, record_type="phone", inserts=phones, updates=[], user=BENCH)
        firearm_ids = list(ids.values())
        links = [
            prepare_values(
                "link",
                {
                    "jurisdiction": "MK",
                    "external_ref": f"l{i}",
                    "kind": "owner_of",
                    "from_type": "person",
                    "from_id": samples["persons"][i % len(samples["persons"])],
                    "to_type": "firearm",
                    "to_id": firearm_ids[i],
                },
            )
            for i in range(min(len(firearm_ids), 500))
        ]
        bulk_write(s, record_type="link", inserts=links, updates=[], user=BENCH)
    engine.dispose()
    samples["no_hit"] = no_hit_queries(key_words, samples["names"], Random(seed + 2))
    return samples


def no_hit_queries(key_words: list[set[str]], names: list[str], rng: Random) -> list[str]:
    """Return 200 person queries that find no one: a given name with another person's family
    name (each word finds many, together none), and made-up family names."""
    from armsbridge.records.search import _variants, name_words

    words = sorted(set().union(*key_words))
    holders: dict[str, list[int]] = {}
    for index, person in enumerate(key_words):
        for word in person:
            holders.setdefault(word, []).append(index)

    def who(options: list[str]) -> set[int]:
        # Persons with a key word starting with one of the options (as the search reads them).
        found: set[int] = set()
        for option in {o.lower() for o in options}:
            at = bisect.bisect_left(words, option)
            while at < len(words) and words[at].startswith(option):
                found.update(holders[words[at]])
                at += 1
        return found

    def finds_no_one(query: str) -> bool:
        variants = _variants(query, name_words(query))
        return bool(variants) and not set.intersection(*(who(v) for v in variants))

    found: list[str] = []
    consonants, vowels = "bdfgkmnprstvz", "aeiou"
    while len(found) < 200:
        if len(found) % 2 == 0:
            given, family = rng.choice(names).split()[0], rng.choice(names).split()[-1]
            query = f"{given} {family}"
        else:
            syllables = rng.randint(3, 4)
            query = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables))
            query = query.capitalize() + rng.choice(("ski", "vic", "aj", "i"))
        if finds_no_one(query):
            found.append(query)
    return found


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(var_dir: Path, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    """Run `armsbridge serve` on the store and wait until /health answers."""
    env = {**os.environ, "ARMSBRIDGE_VAR_DIR": str(var_dir)}
    env.pop("ARMSBRIDGE_DATABASE_URL", None)
    cmd = [sys.executable, "-c", "from armsbridge.cli import main; main()", "serve"]
    log = (var_dir / "server.log").open("wb")
    args = [*cmd, "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    tail = (var_dir / "server.log").read_text(errors="replace")[-2000:]
    raise SystemExit("server did not start: " + tail)


async def sign_in(client: httpx.AsyncClient) -> None:
    """Sign a client in through the login form."""
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = await client.post(
        "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token}
    )
    if answer.status_code != 303:
        raise SystemExit(f"sign-in failed: {answer.status_code}")


async def run_workload(
    clients: list[httpx.AsyncClient], urls: list[str]
) -> tuple[list[float], float, int]:
    """Send every URL once, spread over the clients; return latencies (ms), wall time, errors."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    latencies: list[float] = []
    errors = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            url = queue.get_nowait()
            started = time.perf_counter()
            try:
                answer = await client.get(url)
            except httpx.TransportError:  # a kept-alive connection the server closed: retry once
                try:
                    answer = await client.get(url)
                except httpx.TransportError:
                    errors += 1
                    continue
            latencies.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    return latencies, time.perf_counter() - started, errors


def percentile(values: list[float], q: float) -> float:
    """Return the q-quantile (0..1) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def measure(
    port: int, samples: dict[str, list[Any]], concurrency: int, requests: int, seed: int
) -> list[dict[str, Any]]:
    """Run each workload against the server and return one row of figures per workload."""
    rng = Random(seed)
    base = f"http://127.0.0.1:{port}"
    clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in range(concurrency)]
    await asyncio.gather(*(sign_in(c) for c in clients))
    anonymous = [httpx.AsyncClient(base_url=base, timeout=60) for _ in range(concurrency)]
    baselines = {
        "health (baseline)": ["/health"] * requests,
        "static file": ["/static/css/armsbridge.css"] * requests,
    }
    workloads = {
        "search: person (Latin -> Cyrillic)": [
            f"/search?q={rng.choice(samples['names'])}&why=bench" for _ in range(requests)
        ],
        "search: serial (full or partial)": [
            f"/search?q={rng.choice(samples['serials'])}" for _ in range(requests)
        ],
        "search: person, family name only": [
            f"/search?q={rng.choice(samples['one_word'])}&why=bench" for _ in range(requests)
        ],
        "search: person, no hit": [
            f"/search?q={rng.choice(samples['no_hit'])}&why=bench" for _ in range(requests)
        ],
        "page: person": [
            f"/records/persons/{rng.choice(samples['persons'])}?why=bench" for _ in range(requests)
        ],
        "page: firearm": [
            f"/records/firearms/{rng.choice(samples['firearms'])}" for _ in range(requests)
        ],
        # Lists (records.listing): each page also counts every filter's options (facets).
        "list: persons, sorted by family name": [
            f"/records/persons?why=bench&sort=family_name&dir=asc&page={rng.randint(1, 20)}"
            for _ in range(requests)
        ],
        "list: persons, filtered and sorted": [
            "/records/persons?why=bench&jurisdiction=MK&handling_code=H0"
            f"&sort=birth_date&dir=desc&page={rng.randint(1, 20)}"
            for _ in range(requests)
        ],
        "list: firearms, filtered by date, by make": [
            f"/records/firearms?jurisdiction=MK&from=2000-01-01&sort=make&page={rng.randint(1, 5)}"
            for _ in range(requests)
        ],
    }
    await run_workload(clients, ["/health"] * concurrency * 2)  # warm-up
    rows = []
    jobs = [(name, anonymous, urls) for name, urls in baselines.items()]
    jobs += [(name, clients, urls) for name, urls in workloads.items()]
    for name, pool, urls in jobs:
        # One untimed round first, one request per client: what a page loads on first use in a
        # process (SQL statements compiled, reference data read) is paid once per server start;
        # the figures below are the server as it runs. The round's slowest answer is kept too.
        first, _, _ = await run_workload(pool, urls[:concurrency])
        latencies, wall, errors = await run_workload(pool, urls)
        rows.append(
            {
                "workload": name,
                "first_round_max_ms": round(max(first), 1),
                "requests": len(latencies),
                "errors": errors,
                "p50_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(percentile(latencies, 0.95), 1),
                "mean_ms": round(statistics.fmean(latencies), 1),
                "throughput_rps": round(len(latencies) / wall, 1),
            }
        )
    await asyncio.gather(*(c.aclose() for c in [*clients, *anonymous]))
    baseline = rows[0]["p95_ms"] or 0.1
    for row in rows:
        row["p95_vs_baseline"] = round(row["p95_ms"] / baseline, 1)
        row["meets_goal"] = row["p95_ms"] <= GOAL_P95_MS
    return rows


def main() -> None:
    """Parse options, build the store, serve it, measure, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="requests per workload")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--store", type=Path, default=None, help="keep the store in this folder and reuse it"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="armsbridge-bench-web-") as tmp:
        var_dir = args.store or Path(tmp)
        var_dir.mkdir(parents=True, exist_ok=True)
        saved = var_dir / "bench-samples.json"
        started = time.perf_counter()
        if saved.exists():
            samples = json.loads(saved.read_text(encoding="utf-8"))
            if samples.get("version") != SAMPLES_VERSION:
                sys.exit(
                    f"{var_dir} holds a store built by an older version of this benchmark "
                    "(older schema, other workloads): give --store a new folder"
                )
        else:
            samples = build_store(var_dir, args.persons, args.seed)
            saved.write_text(json.dumps(samples), encoding="utf-8")
        build_s = time.perf_counter() - started
        port = free_port()
        server = start_server(var_dir, port, args.workers)
        try:
            rows = asyncio.run(measure(port, samples, args.clients, args.requests, args.seed))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"\nweb latency: {args.persons:,} persons, {args.clients} concurrent clients, "
        f"{args.requests} requests per workload, {args.workers} server process(es) "
        f"(store built in {build_s:.0f} s); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    header = f"{'workload':38} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'req/s':>7} "
    print(header + f"{'p95/base':>9} {'errors':>6}  goal p95<={GOAL_P95_MS:.0f}")
    for r in rows:
        print(
            f"{r['workload']:38} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['mean_ms']:8.1f} "
            f"{r['throughput_rps']:7.1f} {r['p95_vs_baseline']:9.1f} {r['errors']:6d}  "
            f"{'yes' if r['meets_goal'] else 'NO'}"
        )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(
        json.dumps(
            {
                "persons": args.persons,
                "clients": args.clients,
                "server_workers": args.workers,
                "requests_per_workload": args.requests,
                "store_build_seconds": round(build_s, 1),
                "goal_p95_ms": GOAL_P95_MS,
                "load_average_1min": round(os.getloadavg()[0], 1),
                "cpus": os.cpu_count(),
                "rows": rows,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"figures written to {args.results}")


if __name__ == "__main__":
    main()
