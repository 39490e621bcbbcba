"""Synthetic world generation: time, rows/s and peak memory per size, against a plain csv baseline.

For each size, a child process generates the world (`generate_world`, the same code as
`armsbridge synth`) and reports its own peak memory (ru_maxrss). A second child writes the same
number of rows and bytes per row with the csv module alone (a fixed row, no generation): the
ratio of their CPU times (CPU, not wall time, as the machine is shared) says how much the world's
logic costs over merely writing its files.

    python bench/synth.py --sizes 10000,100000,1000000
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench/results/synth.json"


def _child_generate(out: Path, persons: int, seed: int) -> dict:
    from armsbridge.synth.service import generate_world

    started, cpu = time.perf_counter(), time.process_time()
    manifest = generate_world(out, seed=seed, persons=persons)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rows = sum(i["rows"] for i in manifest["imports"]) + sum(
        i["rows"] for i in manifest["extra_files"]
    )
    size = sum(p.stat().st_size for p in out.rglob("*.csv"))
    truth_files = list((out / "truth").glob("*.csv"))
    truth = sum(1 for p in truth_files for _ in p.open(encoding="utf-8")) - len(truth_files)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": rows,
        "truth_rows": truth,
        "bytes": size,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child_baseline(out: Path, rows: int, row_bytes: int) -> dict:
    cells = max(1, row_bytes // 12)
    row = ["x" * 11] * cells
    started, cpu = time.perf_counter(), time.process_time()
    with (out / "baseline.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for _ in range(rows):
            writer.writerow(row)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _run_child(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"child failed: {proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the benchmark for each size, print the table and write bench/results/synth.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="persons, comma-separated")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--results", type=Path, default=RESULTS, help="where to write the JSON")
    ap.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, out = args.child[0], Path(args.child[1])
        if kind == "generate":
            result = _child_generate(out, int(args.child[2]), int(args.child[3]))
        else:
            result = _child_baseline(out, int(args.child[2]), int(args.child[3]))
        print(json.dumps(result))
        return
    results = []
    header = (
        f"{'persons':>10} {'rows':>11} {'MB':>7} {'wall s':>8} {'CPU s':>8} {'rows/CPU s':>10} "
        f"{'peak MB':>8} {'csv-only CPU s':>14} {'ratio':>6}"
    )
    print(header)
    for size in (int(s) for s in args.sizes.split(",")):
        work = Path(tempfile.mkdtemp(prefix="synth-bench-"))
        try:
            gen = _run_child("generate", str(work / "world"), str(size), str(args.seed))
            base = _run_child(
                "baseline", str(work), str(gen["rows"]), str(gen["bytes"] // max(gen["rows"], 1))
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
        row = {
            "persons": size,
            **gen,
            "rows_per_cpu_s": gen["rows"] / gen["cpu_seconds"],
            "baseline_seconds": base["seconds"],
            "baseline_cpu_seconds": base["cpu_seconds"],
            "baseline_peak_mb": base["peak_mb"],
            "ratio_to_csv_only": gen["cpu_seconds"] / base["cpu_seconds"],
        }
        results.append(row)
        print(
            f"{size:>10,} {gen['rows']:>11,} {gen['bytes'] / 1e6:>7.1f} {gen['seconds']:>8.1f} "
            f"{gen['cpu_seconds']:>8.1f} {row['rows_per_cpu_s']:>10,.0f} {gen['peak_mb']:>8.1f} "
            f"{base['cpu_seconds']:>14.2f} {row['ratio_to_csv_only']:>6.1f}"
        )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(
        json.dumps(
            {
                "benchmark": "synth",
                "machine": {
                    "python": platform.python_version(),
                    "cpus": __import__("os").cpu_count(),
                },
                "baseline": "csv.writer writing the same number of rows of the same mean size",
                "ratio": "CPU s of generation / CPU s of the baseline (CPU: the machine is shared)",
                "results": results,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"written {args.results}")


if __name__ == "__main__":
    main()
