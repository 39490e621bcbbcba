"""Rebuild boundaries.geojson from geoBoundaries files (run by hand when the source changes).

    python -m armsbridge.analysis.data.prepare_boundaries SOURCE_DIR

SOURCE_DIR holds the geoBoundaries "simplified" GeoJSON files named in SOURCES. Coordinates are
simplified again (Douglas-Peucker, tolerance per layer), rounded to 4 decimals (about 10 m), and
rings smaller than the layer's minimum area are dropped (islands far from the border). The
result is one FeatureCollection with `layer` (country, municipality, region), `code`, `name`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).with_name("boundaries.geojson")
# file stem -> (layer, country code, tolerance in degrees, minimum ring area in square degrees)
SOURCES = {
    "XKX-ADM0": ("country", "XK", 0.002, 0.0),
    "MKD-ADM0": ("country", "MK", 0.002, 0.0),
    "ALB-ADM0": ("country", "AL", 0.01, 0.01),
    "SRB-ADM0": ("country", "RS", 0.01, 0.01),
    "MNE-ADM0": ("country", "ME", 0.01, 0.01),
    "GRC-ADM0": ("country", "GR", 0.02, 0.05),
    "BGR-ADM0": ("country", "BG", 0.01, 0.01),
    "XKX-ADM2": ("municipality", "XK", 0.002, 0.0),
    "MKD-ADM1": ("region", "MK", 0.002, 0.0),
}


def _simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker on one open line of (lon, lat) points."""
    if len(points) < 3:
        return points
    start, end = points[0], points[-1]
    seg = end - start
    norm = float(np.hypot(*seg))
    rel = points - start
    if norm == 0:
        dist = np.hypot(rel[:, 0], rel[:, 1])
    else:
        dist = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm
    index = int(np.argmax(dist))
    if dist[index] <= tolerance:
        return np.array([start, end])
    left = _simplify(points[: index + 1], tolerance)
    right = _simplify(points[index:], tolerance)
    return np.vstack([left[:-1], right])


def _area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)


def _ring(ring: list[list[float]], tolerance: float) -> list[list[float]] | None:
    points = np.asarray(ring, dtype=float)
    half = len(points) // 2  # split a closed ring in two lines so both ends stay fixed
    if half < 2:
        return None
    kept = np.vstack(
        [_simplify(points[: half + 1], tolerance)[:-1], _simplify(points[half:], tolerance)]
    )
    if len(kept) < 4:
        return None
    return [[round(float(x), 4), round(float(y), 4)] for x, y in kept]


def _polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def prepare(source: Path) -> dict[str, Any]:
    """Return the simplified FeatureCollection of every file of SOURCES found in `source`."""
    features = []
    for stem, (layer, country, tolerance, min_area) in SOURCES.items():
        data = json.loads((source / f"{stem}.geojson").read_text(encoding="utf-8"))
        for feature in data["features"]:
            polygons = []
            for polygon in _polygons(feature["geometry"]):
                if min_area and _area(np.asarray(polygon[0], dtype=float)) < min_area:
                    continue
                rings = [r for r in (_ring(ring, tolerance) for ring in polygon) if r]
                if rings:
                    polygons.append(rings)
            name = feature["properties"]["shapeName"].removeprefix("Municipality of ")
            features.append(
                {
                    "type": "Feature",
                    "properties": {"layer": layer, "country": country, "name": name},
                    "geometry": {"type": "MultiPolygon", "coordinates": polygons},
                }
            )
    return {"type": "FeatureCollection", "features": features}


if __name__ == "__main__":
    collection = prepare(Path(sys.argv[1]))
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), "utf-8")
    print(f"{OUT}: {OUT.stat().st_size} bytes, {len(collection['features'])} features")
