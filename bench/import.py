"""Import speed: rows/s of `import_file` next to a raw DBAPI executemany of the same rows.

Both paths read the same CSV file and insert the same rows into the same `persons` table, in the
same run, on SQLite (WAL, a file) and on PostgreSQL (a database created and dropped here).
The import also validates, normalises (name keys), resolves keys and writes the audit entry.

    .venv/bin/python bench/import.py --rows 100000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from armsbridge.auth.principal import node_principal
from armsbridge.db.engine import make_engine
from armsbridge.db.registry import load_all_models
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.imports.profile import parse_profile
from armsbridge.imports.service import import_file

BENCH = node_principal("XK", purpose="bench")  # bench data is written as the node

RESULTS = Path(__file__).parent / "results" / "import.json"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
HEADER = ["ID", "EMRI", "MBIEMRI", "BABAI", "DATELINDJA", "GJINIA"]
PROFILE = {
    "name": "bench-persons",
    "jurisdiction": "XK",
    "format": {"delimiter": ";", "encoding": "utf-8"},
    "records": {
        "person": {
            "type": "person",
            "key": "P-{ID}",
            "fields": {
                "given_name": "EMRI",
                "family_name": "MBIEMRI",
                "father_name": "BABAI",
                "birth_date": "DATELINDJA",
                "sex": {"column": "GJINIA", "map": {"Mashkull": "M", "Femër": "F"}},
            },
        }
    },
}
GIVEN = ["Përparim", "Arben", "Xhafer", "Џафер", "Ѓорѓи", "Đorđe", "Besa", "Шпреса", "Ana"]
FAMILY = ["Gashi", "Krasniqi", "Бајрами", "Петровски", "Šabani", "Hoxha", "Јовановиќ", "Morina"]


def write_rows(path: Path, rows: int, seed: int = 7) -> None:
    """Write a person export of `rows` rows (UTF-8, dd.mm.yyyy dates)."""
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(
                [
                    i,
                    rnd.choice(GIVEN),
                    rnd.choice(FAMILY),
                    rnd.choice(GIVEN),
                    f"{rnd.randint(1, 28):02d}.{rnd.randint(1, 12):02d}.{rnd.randint(1950, 2005)}",
                    rnd.choice(["Mashkull", "Femër"]),
                ]
            )


def raw_executemany(url: str, path: Path) -> tuple[float, float]:
    """Read the same file and insert its rows with one DBAPI executemany.

    Returns (wall seconds, CPU seconds of this process).
    """
    engine = make_engine(url)
    sex = {"Mashkull": "M", "Femër": "F"}
    now = datetime.now(UTC)
    start, cpu = time.perf_counter(), time.process_time()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        params = [
            ("XK", f"P-{r[0]}", r[1], r[2], r[3], r[4], sex[r[5]], "H0", now, "raw", now, "raw")
            for r in reader
        ]
    style = "?" if engine.dialect.name == "sqlite" else "%s"
    sql = (
        "INSERT INTO persons (jurisdiction, external_ref, given_name, family_name, father_name, "
        "birth_date, sex, handling_code, created_at, created_by, updated_at, updated_by) VALUES ("
        + ", ".join([style] * 12)
        + ")"
    )
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        cursor.executemany(sql, params)
        conn.commit()
    finally:
        conn.close()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    engine.dispose()
    return elapsed, cpu


def run_import(url: str, path: Path) -> tuple[float, float]:
    """Import the file through the import service and commit; return (wall, CPU) seconds."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    profile = parse_profile(PROFILE)
    start, cpu = time.perf_counter(), time.process_time()
    with session_scope(factory) as session:
        report = import_file(session, profile=profile, path=path, user=BENCH)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    engine.dispose()
    assert report.rows_quarantined == 0, report.errors[:3]
    return elapsed, cpu


def fresh_schema(url: str) -> None:
    """Drop and create every table so each run starts from an empty store."""
    engine = make_engine(url)
    metadata = load_all_models().metadata
    metadata.drop_all(engine)
    metadata.create_all(engine)
    engine.dispose()


def measure(name: str, url: str, path: Path, rows: int) -> dict[str, Any]:
    """Time the raw baseline, a first import and a re-import (all updates) on one engine."""
    fresh_schema(url)
    raw, raw_cpu = raw_executemany(url, path)
    fresh_schema(url)
    first, first_cpu = run_import(url, path)
    again, _ = run_import(url, path)
    return {
        "engine": name,
        "rows": rows,
        "raw_executemany_s": round(raw, 3),
        "import_s": round(first, 3),
        "reimport_s": round(again, 3),
        "raw_rows_per_s": round(rows / raw),
        "import_rows_per_s": round(rows / first),
        "reimport_rows_per_s": round(rows / again),
        "import_vs_raw": round(raw / first, 3),
        # CPU seconds of the benchmark process: on SQLite all the work, on PostgreSQL the
        # client side only. Less sensitive than wall time to other load on the machine.
        "raw_cpu_s": round(raw_cpu, 3),
        "import_cpu_s": round(first_cpu, 3),
        "import_vs_raw_cpu": round(raw_cpu / first_cpu, 3) if first_cpu else None,
    }


def pg_database(admin_url: str) -> tuple[str, Any]:
    """Create a scratch PostgreSQL database; return its URL and a function that drops it."""
    name = f"armsbridge_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    """Run the benchmark and print the table; write bench/results/import.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the file")
    parser.add_argument("--pg-url", default=os.environ.get("ARMSBRIDGE_BENCH_PG", DEFAULT_PG))
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "persons.csv"
        write_rows(path, args.rows)
        results.append(measure("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", path, args.rows))
        if not args.no_pg:
            try:
                url, drop = pg_database(args.pg_url)
            except Exception as exc:  # noqa: BLE001 - no server: report and carry on
                Console(stderr=True).print(f"PostgreSQL skipped: {exc.__class__.__name__}")
            else:
                try:
                    results.append(measure("postgresql", url, path, args.rows))
                finally:
                    drop()
    table = Table(title=f"import of {args.rows:,} person rows (goal: import ≥ 25 % of raw)")
    columns = ("engine", "raw rows/s", "import rows/s", "re-import rows/s", "import / raw")
    for column in (*columns, "CPU: import / raw"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            r["engine"],
            f"{r['raw_rows_per_s']:,}",
            f"{r['import_rows_per_s']:,}",
            f"{r['reimport_rows_per_s']:,}",
            f"{r['import_vs_raw']:.0%}",
            f"{r['import_vs_raw_cpu']:.0%}" if r["import_vs_raw_cpu"] else "-",
        )
    Console().print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "import",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "baseline": "DBAPI cursor.executemany of the same rows read from the same CSV",
        "results": results,
    }
    args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
