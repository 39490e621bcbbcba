"""Risk bench, hot-spot part: hot cells learnt on earlier years, PAI on a later year.

On the synthetic world (the same generator as `armsbridge synth`), the events of both services
are read from their export files (coordinates, dates). For each fold (learn on the years before
the test year, test on that year), each cell size and each hot share, in the same run:

- KDE: quartic kernel density on the shared ETRS89-LAEA grid (analysis.hotspots);
- count: the plain baseline, the earlier period's count per cell;
- random: the mean PAI of random cells of the same area (expected 1).

The table gives each method's PAI and its ratio to the count baseline. Results go to
bench/results/risk.json under "hotspots"; each part of the bench (the risk-profile AUC part is
to come) writes its own key, so parts can be run alone.

    python bench/risk.py --persons 20000
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

from armsbridge.analysis import geography, hotspots
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


PARTS: dict[str, Callable[[argparse.Namespace, Path], dict[str, Any]]] = {
    "hotspots": hotspot_part,
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
    args = parser.parse_args()
    args.cell_sizes = [int(v) for v in args.cell_sizes.split(",")]
    args.test_years = [int(v) for v in args.test_years.split(",")]
    args.shares = [float(v) for v in args.shares.split(",")]
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        started = time.perf_counter()
        generate_world(world, seed=args.seed, persons=args.persons)
        print(f"world of {args.persons} persons generated in {time.perf_counter() - started:.1f} s")
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
