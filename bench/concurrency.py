"""Web requests during a long import: latency next to the same requests on an idle node.

A node on a SQLite file (and PostgreSQL when reachable) imports a person file in one thread
while a web client writes a person and reads the person list in a loop. The baseline is the
same loop with no import, in the same run. Reports failures (any 5xx), p50/p95/max latency and
the ratio of p95 under import to p95 idle, and how long the import's write transaction lasted.

    .venv/bin/python bench/concurrency.py --rows 100000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from armsbridge.app import create_app
from armsbridge.auth import service as auth
from armsbridge.auth.models import User
from armsbridge.auth.principal import principal_of
from armsbridge.db.registry import load_all_models
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.imports.profile import parse_profile
from armsbridge.imports.service import import_file
from armsbridge.settings import Settings

RESULTS = Path(__file__).parent / "results" / "concurrency.json"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PROFILE = {
    "name": "bench-persons",
    "jurisdiction": "XK",
    "format": {"delimiter": ";", "encoding": "utf-8"},
    "records": {
        "person": {
            "type": "person",
            "key": "P-{ID}",
            "fields": {"given_name": "EMRI", "family_name": "MBIEMRI", "birth_date": "DATA"},
        }
    },
}


def write_file(path: Path, rows: int) -> None:
    """Write `rows` person rows as the profile expects them."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["ID", "EMRI", "MBIEMRI", "DATA"])
        for i in range(rows):
            writer.writerow([i, ("Përparim", "Џафер", "Đorđe")[i % 3], "Gashi", "01.01.1990"])


def web_loop(client: TestClient, headers: dict[str, str], stop: Any, tag: str) -> dict[str, Any]:
    """Write a person and read the list until stop() is true; return latencies and failures."""
    latencies: list[float] = []
    failures = 0
    n = 0
    while not stop() or n == 0:
        body = {"jurisdiction": "XK", "external_ref": f"{tag}-{n}", "given_name": "Besa"}
        for method, url, kwargs in (
            ("post", "/api/persons", {"json": body}),
            ("get", "/api/persons", {"params": {"why": "bench", "limit": 20}}),
        ):
            start = time.perf_counter()
            answer = getattr(client, method)(url, headers=headers, **kwargs)
            latencies.append(time.perf_counter() - start)
            failures += answer.status_code >= 500
        n += 1
    latencies.sort()
    return {
        "requests": len(latencies),
        "failures": failures,
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
    }


def measure(name: str, url: str, var: Path, rows: int, idle_requests: int) -> dict[str, Any]:
    """Run the idle loop, then the loop during an import, on one fresh node."""
    app = create_app(Settings(var_dir=var, database_url=url, secret_key="bench-" + "k" * 40))
    load_all_models().metadata.create_all(app.state.engine)
    factory = make_sessionmaker(app.state.engine)
    with session_scope(factory) as session:
        for username in ("importer", "clerk"):
            auth.create_user(
                session, username=username, password="p" * 12, role="analyst", jurisdiction="XK"
            )
        token = auth.create_api_token(
            session, username="clerk", name="bench", scopes=["read", "write"]
        )
    headers = {"Authorization": f"Bearer {token}"}
    client = TestClient(app, raise_server_exceptions=False)
    path = var / "persons.csv"
    write_file(path, rows)
    rounds = iter(range(idle_requests))
    idle = web_loop(client, headers, lambda: next(rounds, None) is None, "I")
    finished = threading.Event()
    timing: dict[str, float] = {}

    def run_import() -> None:
        with session_scope(factory) as session:
            account = session.scalars(select(User).where(User.username == "importer")).one()
            start = time.perf_counter()

            def progress(_done: int, _total: int | None) -> None:
                timing["checked"] = time.perf_counter() - start

            report = import_file(
                session,
                profile=parse_profile(PROFILE),
                path=path,
                user=principal_of(account, via="cli"),
                progress=progress,
            )
            timing["written"] = time.perf_counter() - start
        timing["committed"] = time.perf_counter() - start
        timing["rows"] = report.rows_imported
        finished.set()

    worker = threading.Thread(target=run_import)
    worker.start()
    busy = web_loop(client, headers, finished.is_set, "B")
    worker.join()
    app.state.engine.dispose()
    return {
        "engine": name,
        "rows": rows,
        "idle": idle,
        "during_import": busy,
        "p95_ratio": round(busy["p95_ms"] / idle["p95_ms"], 2),
        "import_s": round(timing["committed"], 2),
        "write_transaction_s": round(timing["committed"] - timing["checked"], 2),
        "rows_imported": timing["rows"],
    }


def main() -> None:
    """Run the benchmark and print the table; write bench/results/concurrency.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the file")
    parser.add_argument("--idle", type=int, default=200, help="loop rounds of the baseline")
    parser.add_argument("--pg-url", default=os.environ.get("ARMSBRIDGE_BENCH_PG", DEFAULT_PG))
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024)  # accounts made here only
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_var = Path(tmp) / "sqlite"
        sqlite_var.mkdir()
        url = f"sqlite:///{sqlite_var / 'node.db'}"
        results.append(measure("sqlite", url, sqlite_var, args.rows, args.idle))
        if not args.no_pg:
            name = f"armsbridge_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            try:
                admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            except Exception as exc:  # noqa: BLE001 - no server: report and carry on
                Console(stderr=True).print(f"PostgreSQL skipped: {exc.__class__.__name__}")
            else:
                pg_var = Path(tmp) / "pg"
                pg_var.mkdir()
                pg = make_url(args.pg_url).set(database=name)
                try:
                    results.append(
                        measure(
                            "postgresql",
                            pg.render_as_string(hide_password=False),
                            pg_var,
                            args.rows,
                            args.idle,
                        )
                    )
                finally:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    admin.dispose()
    table = Table(title=f"web requests during an import of {args.rows:,} rows (goal: 0 failed)")
    for column in ("engine", "requests", "failed", "p95 idle", "p95 import", "ratio", "write tx"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            r["engine"],
            str(r["during_import"]["requests"]),
            str(r["during_import"]["failures"]),
            f"{r['idle']['p95_ms']} ms",
            f"{r['during_import']['p95_ms']} ms",
            f"{r['p95_ratio']}×",
            f"{r['write_transaction_s']} s of {r['import_s']} s",
        )
    Console().print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "concurrency",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "baseline": "the same request loop on the same node with no import running",
        "results": results,
    }
    args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
