"""Risk bench, hot-spot part: hot cells learnt on earlier years, PAI on a later year.

On the synthetic world (the same generator as `armsbridge synth`), the events of both services
are read from their export files (coordinates, dates). For each fold (learn on the years before
the test year, test on that year), each cell size and each hot share, in the same run:

- KDE: quartic kernel density on the shared ETRS89-LAEA grid (analysis.hotspots);
- count: the plain baseline, the earlier period's count per cell;
- random: the mean PAI of random cells of the same area (expected 1).

The table gives each method's PAI and its ratio to the count baseline. Results go to
bench/results/risk.json under "hotspots"; each part writes its own key, so parts can be run alone.

Risk-profile part ("risk_profile"): border-crossing passages of the synthetic world
(synth.passages), a profile learnt on the seizures found in the years before the test year
(analysis.risk), scored on the test year against every passage that carried weapons (the
synthetic truth) and against what was found: AUC and precision of the top 1 % of passages, next
to random order, the best single indicator of the training years, and the generator's own
likelihood (the ceiling), in the same run.

    python bench/risk.py --persons 20000
    python bench/risk.py --parts risk_profile --passages 400000
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from armsbridge.analysis import geography, hotspots, risk
from armsbridge.synth.passages import generate_passages
from armsbridge.synth.service import generate_world

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench/results/risk.json"
DATE, LAT, LON = 4, 10, 11
YEAR = re.compile(r"(?:19|20)\d{2}")  # columns of events.csv (synth/files.py), in both languages


def read_events(world: Path) -> dict[str, np.ndarray]:
    """Return year, lon and lat of every event with coordinates in both services' files."""
    manifest = json.loads((world / "manifest.json").read_text(encoding="utf-8"))
    years, lons, lats = [], [], []
    for item in manifest["imports"]:
        if item["record_type"] != "event":
            continue
        path = world / item["file"]
        with path.open(encoding=item["encoding"], newline="") as handle:
            rows = csv.reader(handle, delimiter=item["delimiter"])
            next(rows)
            for row in rows:
                year = YEAR.search(row[DATE])  # dd.mm.yyyy, mm.yyyy, yyyy-mm-dd as written
                if not row[LAT] or not row[LON] or not year:
                    continue
                years.append(int(year.group(0)))
                lats.append(float(row[LAT]))
                lons.append(float(row[LON]))
    return {"year": np.array(years), "lon": np.array(lons), "lat": np.array(lats)}


def hotspot_part(args: argparse.Namespace, world: Path) -> dict[str, Any]:
    """Score KDE, count and random hot cells on each later year; return the rows."""
    events = read_events(world)
    x, y = geography.project(events["lon"], events["lat"])
    rows = []
    for size in args.cell_sizes:
        grid, mask = geography.study_grid(size), geography.study_mask(size)
        for test_year in args.test_years:
            train = events["year"] < test_year
            test = events["year"] == test_year
            for share in args.shares:
                started = time.perf_counter()
                result = hotspots.evaluate(
                    grid,
                    mask,
                    (x[train], y[train]),
                    (x[test], y[test]),
                    bandwidth=args.bandwidth,
                    share=share,
                    draws=args.draws,
                    seed=args.seed,
                )
                rows.append(
                    {
                        "cell_m": size,
                        "test_year": test_year,
                        "hot_share": share,
                        "train_events": result.train_points,
                        "test_events": result.test_points,
                        "pai_kde": round(result.kde.pai, 3),
                        "pai_count": round(result.count.pai, 3),
                        "pai_random": round(result.random, 3),
                        "hit_rate_kde": round(result.kde.hit_rate, 3),
                        "hit_rate_count": round(result.count.hit_rate, 3),
                        "kde_over_count": round(result.kde.pai / result.count.pai, 3)
                        if result.count.pai
                        else None,
                        "seconds": round(time.perf_counter() - started, 2),
                    }
                )
    print(
        f"{'cell':>6} {'year':>5} {'share':>6} {'train':>6} {'test':>5} "
        f"{'PAI kde':>8} {'PAI count':>9} {'PAI rand':>8} {'kde/count':>9} {'s':>5}"
    )
    for r in rows:
        print(
            f"{r['cell_m']:>6} {r['test_year']:>5} {r['hot_share']:>6.0%} {r['train_events']:>6} "
            f"{r['test_events']:>5} {r['pai_kde']:>8.2f} {r['pai_count']:>9.2f} "
            f"{r['pai_random']:>8.2f} {r['kde_over_count'] or 0:>9.2f} {r['seconds']:>5.1f}"
        )
    return {
        "bandwidth_m": args.bandwidth,
        "grid": "ETRS89-LAEA (EPSG:3035), reference-grid cells",
        "baselines": "count of the earlier period per cell; random cells of equal area",
        "rows": rows,
    }


def risk_profile_part(args: argparse.Namespace, world: Path) -> dict[str, Any]:
    """Learn the risk profile on the years before each test year, score the test year."""
    years = tuple(range(min(args.test_years) - 2, max(args.test_years) + 1))
    started = time.perf_counter()
    passages = generate_passages(seed=args.seed, years=years, per_year=args.passages)
    print(f"{len(passages)} passages generated in {time.perf_counter() - started:.1f} s")
    rows = []
    for test_year in args.test_years:
        started = time.perf_counter()
        profile = risk.learn(passages.where(passages.year < test_year), label="found")
        later = passages.where(passages.year == test_year)
        for truth in ("carrying", "found"):
            result = risk.evaluate(profile, later, truth=truth)
            rows.append(
                {
                    "test_year": test_year,
                    "truth": truth,
                    "train_seizures": profile.seizures,
                    **{k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()},
                    "seconds": round(time.perf_counter() - started, 2),
                }
            )
    print(
        f"{'year':>5} {'truth':>8} {'pos':>5} {'AUC':>6} {'rule':>6} {'rand':>6} {'ceil':>6} "
        f"{'P@1%':>6} {'rule':>6} {'rand':>6} {'ceil':>6} {'P/rule':>6}  best rule"
    )
    for r in rows:
        ratio = r["top1_precision_profile"] / r["top1_precision_best_rule"]
        print(
            f"{r['test_year']:>5} {r['truth']:>8} {r['positives']:>5} {r['auc_profile']:>6.3f} "
            f"{r['auc_best_rule']:>6.3f} {r['auc_random']:>6.3f} {r['auc_ceiling']:>6.3f} "
            f"{r['top1_precision_profile']:>6.4f} {r['top1_precision_best_rule']:>6.4f} "
            f"{r['top1_precision_random']:>6.4f} {r['top1_precision_ceiling']:>6.4f} "
            f"{ratio:>6.2f}  {r['best_rule']}"
        )
    return {
        "passages_per_year": args.passages,
        "learnt_on": "seizures found (checked passages only), years before the test year",
        "truth": "carrying: every passage that carried weapons (synthetic truth); found: seizures",
        "baselines": "random order; the best single indicator of the training years (by lift); "
        "ceiling: the generator's own likelihood",
        "rows": rows,
    }


PARTS: dict[str, Callable[[argparse.Namespace, Path], dict[str, Any]]] = {
    "hotspots": hotspot_part,
    "risk_profile": risk_profile_part,
}


def main() -> None:
    """Generate a world, run the chosen parts, merge their results into risk.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--cell-sizes", default="1000,500")
    parser.add_argument("--test-years", default="2024,2025")
    parser.add_argument("--shares", default="0.01,0.02,0.05")
    parser.add_argument("--bandwidth", type=int, default=3000)
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--passages", type=int, default=400_000, help="passages a year")
    args = parser.parse_args()
    args.cell_sizes = [int(v) for v in args.cell_sizes.split(",")]
    args.test_years = [int(v) for v in args.test_years.split(",")]
    args.shares = [float(v) for v in args.shares.split(",")]
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        if "hotspots" in args.parts.split(","):  # the passages need no world of records
            started = time.perf_counter()
            generate_world(world, seed=args.seed, persons=args.persons)
            took = time.perf_counter() - started
            print(f"world of {args.persons} persons generated in {took:.1f} s")
        for name in args.parts.split(","):
            results[name] = {
                "persons": args.persons,
                "seed": args.seed,
                "machine": f"{platform.machine()}, {platform.python_version()}",
                **PARTS[name](args, world),
            }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
