"""Serial search latency: the indexed search against a full scan of the same store, same run.

Builds a store of N firearms with serials in the shapes met in XK/MK records (letters and digits,
separators, lower case, Cyrillic look-alikes), then times `search_serials` on query classes drawn
from those serials: full serial, full serial with misread characters, unknown positions
(`K7?4?21`), suffix (`*4521`), fragment (`*2452*`), and the worst case with no fragment of three
read characters (`?7?4?2?`, answered by a scan). The baseline is the same folded-key match done
by a scan (`serial_key LIKE pattern`, no usable index). Timed searches return the best 50 (the
CLI and API default); for the checked queries the complete answer is compared with the scan.

    python bench/serials.py --size 1000000 [--queries 200] [--baseline-queries 20] [--url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from armsbridge.db.engine import make_engine  # noqa: E402
from armsbridge.db.registry import load_all_models  # noqa: E402
from armsbridge.firearms.derive import serial_columns, serial_grams  # noqa: E402
from armsbridge.firearms.models import FirearmSerialGram  # noqa: E402
from armsbridge.firearms.serial_search import _like, parse_pattern, search_serials  # noqa: E402
from armsbridge.records.models import Firearm  # noqa: E402

RESULTS = ROOT / "bench/results/serials.json"
LIMIT = 50  # results a user gets (CLI and API default); the check against the scan uses all
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
CYRILLIC = {
    "A": "А",
    "B": "В",
    "E": "Е",
    "K": "К",
    "M": "М",
    "H": "Н",
    "O": "О",
    "P": "Р",
    "C": "С",
    "T": "Т",
    "X": "Х",
    "Y": "У",
}
MISREAD = {
    "0": "O",
    "O": "0",
    "1": "I",
    "I": "1",
    "L": "1",
    "5": "S",
    "S": "5",
    "8": "B",
    "B": "8",
    "2": "Z",
    "Z": "2",
}


def make_serial(rng: random.Random) -> str:
    """A serial as typed: 0-3 letters, 4-8 digits, maybe a separator, case and script noise."""
    head = "".join(rng.choice(LETTERS) for _ in range(rng.choice([0, 1, 1, 2, 2, 3])))
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(4, 8)))
    serial = head + (rng.choice(["", "", "-", " ", "/"]) if head else "") + digits
    if rng.random() < 0.1:
        serial = "".join(CYRILLIC.get(ch, ch) for ch in serial)
    if rng.random() < 0.1:
        serial = serial.lower()
    return serial


def build(url: str, size: int, seed: int) -> list[str]:
    """Create the store and load `size` firearms with their search keys and trigrams."""
    engine = make_engine(url)
    load_all_models().metadata.create_all(engine)
    rng = random.Random(seed)
    serials = [make_serial(rng) for _ in range(size)]
    batch = 20000
    # Secondary indexes are built once after the load: far faster than row-by-row maintenance.
    indexes = [*Firearm.__table__.indexes, *FirearmSerialGram.__table__.indexes]
    with engine.begin() as conn:
        for index in indexes:
            index.drop(conn)
        for start in range(0, size, batch):
            rows = []
            for i, raw in enumerate(serials[start : start + batch], start=start + 1):
                rows.append(
                    {
                        "id": i,
                        "jurisdiction": "XK" if i % 2 else "MK",
                        "serial_raw": raw,
                        **serial_columns(raw),
                    }
                )
            conn.execute(insert(Firearm.__table__), rows)
            grams = [
                {"gram": g, "firearm_id": r["id"]}
                for r in rows
                for g in serial_grams(r["serial_key"])
            ]
            conn.execute(insert(FirearmSerialGram.__table__), grams)
        for index in indexes:
            index.create(conn)
        if engine.dialect.name == "sqlite":
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE firearms"))
            conn.execute(text("ANALYZE firearm_serial_grams"))
    engine.dispose()
    return serials


def existing(url: str, size: int) -> list[str] | None:
    """Return the serials of a store built earlier with `size` firearms, else None."""
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT serial_raw FROM firearms ORDER BY id")).scalars().all()
        engine.dispose()
    except Exception:  # noqa: BLE001 - no such store yet
        return None
    return list(rows) if len(rows) == size else None


def queries(serials: list[str], n: int, seed: int) -> dict[str, list[str]]:
    """Draw n queries per class from the stored serials."""
    rng = random.Random(seed + 1)
    out: dict[str, list[str]] = {
        k: []
        for k in ("full", "misread", "unknown_positions", "suffix", "fragment", "no_fragment_scan")
    }
    while min(len(v) for v in out.values()) < n:
        s = rng.choice(serials)
        key = "".join(ch for ch in s.upper() if ch.isalnum())
        if len(key) < 7:
            continue
        out["full"].append(s)
        chars = list(key)
        spots = [i for i, ch in enumerate(chars) if ch in MISREAD]
        for i in rng.sample(spots, min(2, len(spots))):
            chars[i] = MISREAD[chars[i]]
        out["misread"].append("".join(chars))
        chars = list(key)
        for i in rng.sample(range(2, len(chars)), 2):
            chars[i] = "?"
        out["unknown_positions"].append("".join(chars))
        out["suffix"].append("*" + key[-rng.randint(4, 5) :])
        mid = rng.randint(1, len(key) - 5)
        out["fragment"].append("*" + key[mid : mid + 4] + "*")
        out["no_fragment_scan"].append("".join(ch if i % 2 else "?" for i, ch in enumerate(key)))
    return {k: v[:n] for k, v in out.items()}


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "max": round(ordered[-1], 2),
    }


def run(url: str, qs: dict[str, list[str]], baseline_n: int) -> dict[str, dict]:
    """Time the indexed search and the scan baseline per query class; check they agree."""
    engine = make_engine(url)
    table: dict[str, dict] = {}
    with Session(engine) as session:
        for cls, patterns in qs.items():
            fast, slow, mismatches = [], [], 0
            for i, p in enumerate(patterns):
                t0 = time.perf_counter()
                search_serials(session, pattern=p, limit=LIMIT)
                fast.append((time.perf_counter() - t0) * 1000)
                if i < baseline_n:
                    hits = search_serials(session, pattern=p, limit=None)
                    folded = parse_pattern(p).folded
                    t0 = time.perf_counter()
                    scan = (
                        session.execute(
                            text("SELECT id FROM firearms WHERE serial_key LIKE :p"),
                            {"p": _like(folded)},
                        )
                        .scalars()
                        .all()
                    )
                    slow.append((time.perf_counter() - t0) * 1000)
                    mismatches += set(scan) != {h["id"] for h in hits}
            table[cls] = {
                "queries": len(patterns),
                "indexed_ms": _ms(fast),
                "scan_ms": _ms(slow),
                "baseline_checked": min(baseline_n, len(patterns)),
                "mismatches": mismatches,
            }
            table[cls]["speedup_p50"] = round(
                table[cls]["scan_ms"]["p50"] / max(table[cls]["indexed_ms"]["p50"], 1e-3), 1
            )
    engine.dispose()
    return table


def main() -> None:
    """Parse options, build the store, run the queries, print the table, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100_000, help="firearms in the store")
    ap.add_argument("--queries", type=int, default=200, help="queries per class")
    ap.add_argument("--baseline-queries", type=int, default=20, help="scans per class")
    ap.add_argument("--url", default=None, help="store URL (default: a new SQLite file)")
    ap.add_argument(
        "--reuse", action="store_true", help="reuse the store at --url if it holds --size firearms"
    )
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON figures")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.url or f"sqlite:///{Path(tmp.name) / 'serials.db'}"
    t0 = time.perf_counter()
    serials = existing(url, args.size) if args.reuse else None
    reused = serials is not None
    if serials is None:
        serials = build(url, args.size, args.seed)
    build_s = time.perf_counter() - t0
    qs = queries(serials, args.queries, args.seed)
    table = run(url, qs, args.baseline_queries)
    backend = url.split(":", 1)[0]
    how = "store reused" if reused else f"store built in {build_s:.1f} s"
    print(f"serial search on {args.size:,} firearms ({backend}); {how}")
    print(
        f"{'class':<20}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'scan p50':>10}{'scan p95':>10}"
        f"{'speed-up':>10}{'checked':>9}{'diff':>6}"
    )
    for cls, row in table.items():
        print(
            f"{cls:<20}{row['queries']:>5}{row['indexed_ms']['p50']:>9}"
            f"{row['indexed_ms']['p95']:>9}{row['scan_ms']['p50']:>10}{row['scan_ms']['p95']:>10}"
            f"{row['speedup_p50']:>9}x{row['baseline_checked']:>9}{row['mismatches']:>6}"
        )
    indexed = [c for c in table if c != "no_fragment_scan"]
    worst_p95 = max(table[c]["indexed_ms"]["p95"] for c in indexed)
    print(f"worst p95 over indexed classes: {worst_p95} ms (goal <= 50 ms)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "size": args.size,
                "backend": backend,
                "build_seconds": None if reused else round(build_s, 1),
                "cpu_count": os.cpu_count(),
                "classes": table,
                "worst_indexed_p95_ms": worst_p95,
                "goal_p95_ms": 50,
            },
            indent=2,
        )
        + "\n"
    )
    if any(row["mismatches"] for row in table.values()):
        sys.exit("indexed search and scan disagree")


if __name__ == "__main__":
    main()
